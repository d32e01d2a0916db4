// The one error a topology file can raise: where (file:line:column), which key, what was expected, what was found.

/** A problem in a topology file (or a graph it imports), located precisely enough to jump to. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';

  constructor(
    /** The file as the user named it (or as resolved relative to the topology file). */
    readonly file: string,
    /** 1-based line. */
    readonly line: number,
    /** 1-based column. */
    readonly column: number,
    /** Where in the document, like `links[2].ends[1]`; `(top level)` for the document itself. */
    readonly keyPath: string,
    /** What would have been accepted there. */
    readonly expected: string,
    /** What the file holds there instead. */
    readonly found: string,
  ) {
    // One line, in the file:line:col form editors and terminals turn into links.
    super(`${file}:${line}:${column}: ${keyPath}: expected ${expected}, found ${oneLine(found)}`);
  }
}

// A message must stay on one line even when a found value (a YAML parser message, a long string) does not.
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
