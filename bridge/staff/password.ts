/**
 * Staff passwords are stored in the config as scrypt hashes (RFC 7914), never as text:
 * `scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>`. `selfcheck staff-password` makes one.
 *
 * Cost: N = 2^15, r = 8, p = 1 (OWASP Password Storage Cheat Sheet's scrypt minimum is N = 2^17 with
 * 16 MiB per hash; a kiosk PC logs staff in rarely, but 2^15 keeps a login under ~100 ms on a small
 * fanless PC). The parameters travel in the hash, so raising them later keeps old hashes valid.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { CodedError } from "../../protocols/errors.ts";
import { STAFF_PASSWORD_MIN_LENGTH } from "../../protocols/staff-api/config.ts";

export class PasswordHashError extends CodedError<"STAFF_PASSWORD_HASH_INVALID"> {}

const KEY_BYTES = 32;
const SALT_BYTES = 16;
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}
export const DEFAULT_COST: ScryptCost = { log2N: 15, r: 8, p: 1 };

interface ParsedHash extends ScryptCost {
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  return new Promise((resolve, reject) => {
    // maxmem: scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is raised to fit with room.
    scrypt(password, salt, KEY_BYTES, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Why `password` is too short for a staff password (new users and changed passwords alike), or undefined. */
export function tooShort(password: string): string | undefined {
  return [...password].length < STAFF_PASSWORD_MIN_LENGTH
    ? `a staff password needs at least ${STAFF_PASSWORD_MIN_LENGTH} characters; type a longer one`
    : undefined;
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ["scrypt", cost.log2N, cost.r, cost.p, salt.toString("base64"), key.toString("base64")].join("$");
}

export function parseHash(hash: string, where: string): ParsedHash {
  const parts = hash.split("$");
  const [scheme, log2N, r, p, salt, key] = parts;
  const numbers = [log2N, r, p].map(Number);
  const [n = 0, rr = 0, pp = 0] = numbers;
  if (
    parts.length !== 6 ||
    scheme !== "scrypt" ||
    !numbers.every(Number.isInteger) ||
    n < 10 ||
    n > 20 ||
    rr < 1 ||
    rr > 32 ||
    pp < 1 ||
    pp > 16 ||
    !salt ||
    !key
  ) {
    throw new PasswordHashError(
      "STAFF_PASSWORD_HASH_INVALID",
      `${where}: not a password hash from \`selfcheck staff-password\` (expected scrypt$15$8$1$<salt>$<key>). Make one with \`npx selfcheck staff-password\` and paste it.`,
      { where },
    );
  }
  return { log2N: n, r: rr, p: pp, salt: Buffer.from(salt, "base64"), key: Buffer.from(key, "base64") };
}

/** True when `password` matches; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, hash: ParsedHash): Promise<boolean> {
  const key = await derive(password, hash.salt, hash);
  return key.length === hash.key.length && timingSafeEqual(key, hash.key);
}
