import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

export interface Folder {
  id: string;
  name: string;
  createdBy: string;
  createdAt: string;
}

export interface LibraryDocument {
  id: string;
  folderId: string;
  title: string;
  content: string;
  createdBy: string;
  updatedAt: string;
}

/**
 * The app's data, in memory: only authorization lives in OpenFGA. Ids are
 * UUIDs, valid OpenFGA object ids as they are.
 */
@Injectable()
export class LibraryStore {
  private readonly folders = new Map<string, Folder>();
  private readonly documents = new Map<string, LibraryDocument>();

  createFolder(name: string, createdBy: string): Folder {
    const folder: Folder = { id: randomUUID(), name, createdBy, createdAt: new Date().toISOString() };
    this.folders.set(folder.id, folder);
    return folder;
  }

  getFolder(id: string): Folder {
    const folder = this.folders.get(id);
    if (!folder) throw new NotFoundException(`Folder ${id} not found`);
    return folder;
  }

  documentsIn(folderId: string): LibraryDocument[] {
    return [...this.documents.values()].filter((d) => d.folderId === folderId);
  }

  createDocument(folderId: string, title: string, content: string, createdBy: string): LibraryDocument {
    this.getFolder(folderId);
    const document: LibraryDocument = { id: randomUUID(), folderId, title, content, createdBy, updatedAt: new Date().toISOString() };
    this.documents.set(document.id, document);
    return document;
  }

  getDocument(id: string): LibraryDocument {
    const document = this.documents.get(id);
    if (!document) throw new NotFoundException(`Document ${id} not found`);
    return document;
  }

  /** The document, or undefined when this store does not hold it (an id OpenFGA knows from another instance). */
  findDocument(id: string): LibraryDocument | undefined {
    return this.documents.get(id);
  }

  updateDocument(id: string, content: string): LibraryDocument {
    const document = { ...this.getDocument(id), content, updatedAt: new Date().toISOString() };
    this.documents.set(id, document);
    return document;
  }
}

/** A required, non-empty string field of a JSON body, at most `max` characters; 400 otherwise. */
export function textField(body: unknown, field: string, max: number, optional = false): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (value === undefined && optional) return '';
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new BadRequestException(`"${field}" must be a non-empty string of at most ${max} characters`);
  }
  return value.trim();
}

/** An id that may stand in an OpenFGA tuple as it is (no `:`, `#`, `*` or whitespace), at most 128 characters. */
const TUPLE_ID = /^[^\s:#*]{1,128}$/;

/** A path or body value that must be such an id; 400 naming `field` otherwise. */
export function idField(value: unknown, field: string): string {
  if (typeof value !== 'string' || !TUPLE_ID.test(value)) {
    throw new BadRequestException(`"${field}" must be an id of 1 to 128 characters without ':', '#', '*' or whitespace`);
  }
  return value;
}

/** A required integer field of a JSON body between `min` and `max`; 400 otherwise. */
export function integerField(body: unknown, field: string, min: number, max: number): number {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadRequestException(`"${field}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A required array of 1 to `max` distinct ids in a JSON body (duplicates collapse); 400 otherwise. */
export function idListField(body: unknown, field: string, max: number): string[] {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    throw new BadRequestException(`"${field}" must be an array of 1 to ${max} ids`);
  }
  return [...new Set(value.map((id, i) => idField(id, `${field}[${i}]`)))];
}
