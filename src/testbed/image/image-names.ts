// Names and marks of the images the testbed builds. Tags are content hashes, so "is it built?" is one
// inspect of the tag, and a stale image is never reused by accident.

import { createHash } from 'node:crypto';
import { LABELS, OWNER } from '../runtime/runtime.ts';

/** Repository of the debootstrapped base image. */
export const BASE_REPO = 'vrr-lab/base';

/** Repository of the node image (base + node + vrrd bundle). */
export const NODE_REPO = 'vrr-lab/node';

/** Labels on every image the testbed builds (the same owner mark as its containers). */
export const IMAGE_LABELS: Record<string, string> = { [LABELS.owner]: OWNER };

/** Length of the hex hash used as a tag: short enough to read, long enough never to collide here. */
const TAG_HEX = 16;

/** A tag from the inputs that determine an image's content (order-sensitive: pass a stable structure). */
export function contentTag(inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, TAG_HEX);
}
