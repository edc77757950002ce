import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import mongoose, { type Connection, type Model, Schema } from 'mongoose';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

interface Operator {
  user: string;
  salt: string;
  hash: string;
  createdAt: Date;
  passwordChangedAt: Date;
}

interface Session {
  tokenHash: string;
  user: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute expiry; expired sessions are swept at each sign-in (FerretDB has no TTL indexes). */
  expiresAt: Date;
}

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A fresh random password: 20 characters from an alphabet without look-alikes. */
export function randomPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * The console's own store: operator accounts (scrypt hashes with a per-account salt) and sessions
 * (only the SHA-256 of each token is kept), in a small database of its own (`<namespace>_console`).
 */
export class ConsoleStore {
  private constructor(
    private readonly conn: Connection,
    private readonly operators: Model<Operator>,
    private readonly sessions: Model<Session>,
    private readonly limits: SessionLimits,
    private readonly clock: () => number,
  ) {}

  /** `clock` (ms since the epoch) decides session expiry; tests pass their own to step through the limits. */
  static async open(mongoUrl: string, dbName: string, limits: SessionLimits = DEFAULT_SESSION_LIMITS, clock: () => number = Date.now): Promise<ConsoleStore> {
    const conn = await mongoose.createConnection(mongoUrl, { dbName, serverSelectionTimeoutMS: 10_000 }).asPromise();
    const operators = conn.model<Operator>(
      'Operator',
      new Schema<Operator>({
        user: { type: String, required: true, unique: true },
        salt: { type: String, required: true },
        hash: { type: String, required: true },
        createdAt: { type: Date, required: true },
        passwordChangedAt: { type: Date, required: true },
      }),
      'operators',
    );
    const sessions = conn.model<Session>(
      'Session',
      new Schema<Session>({
        tokenHash: { type: String, required: true, unique: true },
        user: { type: String, required: true },
        createdAt: { type: Date, required: true },
        lastSeenAt: { type: Date, required: true },
        expiresAt: { type: Date, required: true, index: true },
      }),
      'sessions',
    );
    await Promise.all([operators.init(), sessions.init()]);
    return new ConsoleStore(conn, operators, sessions, limits, clock);
  }

  /** Creates `user` with a random password unless it exists; returns the password when it did. */
  async ensureOperator(user: string): Promise<string | undefined> {
    if (await this.operators.exists({ user })) return undefined;
    const password = randomPassword();
    try {
      await this.operators.create({ user, ...(await hashPassword(password)), createdAt: new Date(), passwordChangedAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return undefined;
      throw err;
    }
    return password;
  }

  /** Sets a new random password (or the given one) and ends the operator's sessions. */
  async resetPassword(user: string, password = randomPassword()): Promise<string> {
    await this.operators.updateOne(
      { user },
      { $set: { ...(await hashPassword(password)), passwordChangedAt: new Date() }, $setOnInsert: { createdAt: new Date() } },
      { upsert: true },
    );
    await this.sessions.deleteMany({ user });
    return password;
  }

  async checkPassword(user: string, password: string): Promise<boolean> {
    const op = await this.operators.findOne({ user }).lean();
    // Hash anyway for unknown users so timing does not tell which accounts exist.
    const salt = op ? Buffer.from(op.salt, 'base64') : randomBytes(16);
    const got = await scrypt(password, salt, 64);
    return !!op && timingSafeEqual(got, Buffer.from(op.hash, 'base64'));
  }

  async createSession(user: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date(this.clock());
    await this.sessions.deleteMany({ $or: [{ expiresAt: { $lt: now } }, { lastSeenAt: { $lt: new Date(now.getTime() - this.limits.idleMs) } }] });
    await this.sessions.create({ tokenHash: sha256(token), user, createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + this.limits.absoluteMs) });
    return token;
  }

  /** The session's user if the token is live (idle and absolute limits), touching it. */
  async touchSession(token: string): Promise<string | undefined> {
    const now = this.clock();
    const s = await this.sessions.findOneAndUpdate(
      { tokenHash: sha256(token), expiresAt: { $gt: new Date(now) }, lastSeenAt: { $gt: new Date(now - this.limits.idleMs) } },
      { $set: { lastSeenAt: new Date(now) } },
    ).lean();
    return s?.user;
  }

  async endSession(token: string): Promise<void> {
    await this.sessions.deleteOne({ tokenHash: sha256(token) });
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

async function hashPassword(password: string): Promise<{ salt: string; hash: string }> {
  const salt = randomBytes(16);
  return { salt: salt.toString('base64'), hash: (await scrypt(password, salt, 64)).toString('base64') };
}
