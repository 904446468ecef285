/** A small HTTP client for the demo (global fetch), speaking the example app's conventions. */
export interface DemoResponse<T = unknown> {
  status: number;
  body: T;
  /** The X-Consistency-Token response header, when the route recorded tuples. */
  token?: string;
}

export interface DemoRequestOptions {
  /** Acts as this user: logs in once (`POST /auth/login`) and sends the JWT as `Authorization: Bearer`. */
  as?: string;
  /** Sends this bearer token instead (`as` is ignored). */
  bearer?: string;
  /** Sends the admin token (X-Admin-Token). */
  admin?: boolean;
  /** Sends this consistency token (X-Consistency-Token). */
  token?: string;
  body?: unknown;
}

export class DemoHttp {
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly adminToken: string,
    private readonly demoPassword: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** Logs `user` in with the demo password; the response carries `{ accessToken }` on success. */
  login(user: string, password = this.demoPassword): Promise<DemoResponse<{ accessToken?: string }>> {
    return this.request('POST', '/auth/login', { body: { username: user, password } });
  }

  /** The access token of `user`, logging in the first time. */
  async accessToken(user: string): Promise<string> {
    const known = this.tokens.get(user);
    if (known) return known;
    const res = await this.login(user);
    if (res.status !== 200 || !res.body.accessToken) throw new Error(`login as ${user} failed with ${res.status}`);
    this.tokens.set(user, res.body.accessToken);
    return res.body.accessToken;
  }

  async request<T = unknown>(method: string, path: string, options: DemoRequestOptions = {}): Promise<DemoResponse<T>> {
    const headers: Record<string, string> = {};
    const bearer = options.bearer ?? (options.as ? await this.accessToken(options.as) : undefined);
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (options.admin) headers['x-admin-token'] = this.adminToken;
    if (options.token) headers['x-consistency-token'] = options.token;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    const body = (text ? JSON.parse(text) : undefined) as T;
    return { status: res.status, body, token: res.headers.get('x-consistency-token') ?? undefined };
  }
}

/** Polls `probe` every `intervalMs` until it returns a truthy value or `timeoutMs` passed; returns the last value. */
export async function pollUntil<T>(probe: () => Promise<T>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!last && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}
