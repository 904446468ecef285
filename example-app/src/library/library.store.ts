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
