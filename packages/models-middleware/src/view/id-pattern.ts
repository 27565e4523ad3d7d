/**
 * Model id patterns of the rules: `/regex/flags`, a glob (`*` any run of characters, `/` and `:`
 * included; `?` one character), or else an exact id.
 */

export type IdMatcher = (id: string) => boolean;

const REGEX = /^\/(.+)\/([a-z]*)$/s;

/** Compiles a pattern; throws SyntaxError for a bad `/regex/`, which the caller names. */
export function compileIdPattern(pattern: string): IdMatcher {
  const regex = REGEX.exec(pattern);
  if (regex !== null) {
    const expression = new RegExp(regex[1] ?? '', (regex[2] ?? '').replace('g', ''));
    return (id) => expression.test(id);
  }
  if (pattern.includes('*') || pattern.includes('?')) {
    const source = [...pattern]
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}/-]/g, '\\$&')))
      .join('');
    const glob = new RegExp(`^${source}$`, 's');
    return (id) => glob.test(id);
  }
  return (id) => id === pattern;
}

/** Does any of the matchers match? */
export const matchesAny = (matchers: readonly IdMatcher[], id: string): boolean =>
  matchers.some((matches) => matches(id));
