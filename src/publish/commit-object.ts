import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import type { CommitSigner } from '../core/signing/openpgp.js';

/**
 * A git commit object, byte for byte as git writes it (git's commit.c): the headers, an empty line,
 * the message. This is what an OpenPGP commit signature covers, and what `git verify-commit` and
 * GitHub rebuild to check it: the same bytes minus the `gpgsig` header. Both publish paths use it,
 * the git CLI path to write the object and the GitHub path to sign what GitHub will write.
 */

export interface Person {
  name: string;
  email: string;
}

export interface CommitFields {
  tree: string;
  parents: readonly string[];
  author: Person;
  committer: Person;
  /** Author and committer time; written in UTC (`+0000`), whole seconds. */
  time: Date;
  message: string;
}

/** Who makes the publish commit and when, and the OpenPGP key that signs it (none: unsigned). */
export interface CommitAuthoring {
  author: Person;
  committer: Person;
  /** SOURCE_DATE_EPOCH when set, so a publish of the same build on the same head is the same commit. */
  time: Date;
  signer?: CommitSigner;
}

/**
 * Refuses a name or email git would change or could not hold: `<`, `>` and line breaks end the
 * header field, and git trims surrounding blanks, so the signed bytes would not be the stored ones.
 */
export function checkPerson(person: Person, what: string): Person {
  for (const [field, value] of [['name', person.name], ['email', person.email]] as const) {
    if (value.trim() === '' || value !== value.trim() || /[<>\n\r\0]/.test(value)) {
      throw new UsageError(`the ${what} ${field} ${JSON.stringify(value)} cannot be written into a commit: no '<', '>', line breaks or surrounding blanks (set GIT_AUTHOR_NAME/EMAIL, GIT_COMMITTER_NAME/EMAIL)`);
    }
  }
  return person;
}

/**
 * The message as it is committed: line breaks as LF and no trailing ones. GitHub stores the
 * message it is sent as it is; keeping it without a final newline is what both paths agree on.
 */
export function commitMessageText(message: string): string {
  return message.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
}

/** The unsigned commit object: what is signed. */
export function commitPayload(fields: CommitFields): Uint8Array {
  const seconds = Math.floor(fields.time.getTime() / 1000);
  const person = (p: Person) => `${p.name} <${p.email}> ${seconds} +0000`;
  const lines = [
    `tree ${fields.tree}`,
    ...fields.parents.map((parent) => `parent ${parent}`),
    `author ${person(fields.author)}`,
    `committer ${person(fields.committer)}`,
  ];
  return new TextEncoder().encode(`${lines.join('\n')}\n\n${commitMessageText(fields.message)}`);
}

/**
 * The signed commit object: `gpgsig` as the last header, the armored signature's lines each
 * continued with one space, as git's `add_header_signature` writes it.
 */
export function withSignature(payload: Uint8Array, armoredSignature: string): Uint8Array {
  const text = new TextDecoder().decode(payload);
  const endOfHeaders = text.indexOf('\n\n');
  const lines = armoredSignature.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const header = `gpgsig ${lines.join('\n ')}\n`;
  return new TextEncoder().encode(`${text.slice(0, endOfHeaders + 1)}${header}${text.slice(endOfHeaders + 1)}`);
}

/** The git object id of a commit object (SHA-1, as GitHub and default git repositories use). */
export function commitId(object: Uint8Array): string {
  return createHash('sha1').update(`commit ${object.length}\0`).update(object).digest('hex');
}

/** A time as GitHub's API takes it (ISO 8601, whole seconds, UTC). */
export function isoSeconds(time: Date): string {
  return new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}
