// The rule for node and lab names. Node names become parts of Linux interface, namespace and container
// names, so they are kept short and to characters every one of those accepts.

/** Node names: a letter or digit, then letters, digits, `_` or `-`; 1 to 15 characters (IFNAMSIZ - 1). */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/;

/** The node-name rule in words, for error messages. */
export const NODE_NAME_RULE = 'a node name of 1-15 letters, digits, _ or - (starting with a letter or digit)';

/** True when `name` may name a node. */
export function isValidNodeName(name: string): boolean {
  return NODE_NAME_PATTERN.test(name);
}

/** Lab names: like node names but up to 32 characters; they label every container and namespace of the lab. */
export const LAB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** The lab-name rule in words, for error messages. */
export const LAB_NAME_RULE = 'a lab name of 1-32 letters, digits, _ or - (starting with a letter or digit)';
