// AUTH_CHALLENGE (0x07) and AUTH_RESPONSE (0x08): the nonce handshake of keyed meshes (src/vrr/auth/link-auth.ts).
//  0 Type  1 Len=1  2-7 Challenge (48 bits, big-endian)

import type { OptionCodec } from '../option-codec.ts';
import { checkAddress, readWireAddress, writeWireAddress } from '../slots.ts';
import { OptionType, type AuthChallengeOption } from '../types.ts';

/** Bytes of either option. */
export const AUTH_CHALLENGE_LENGTH = 8;

function challengeCodec(type: 0x07 | 0x08, name: string): OptionCodec<AuthChallengeOption> {
  return {
    type,
    name,
    length() {
      return AUTH_CHALLENGE_LENGTH;
    },
    write(option, out, start) {
      checkAddress(option.challenge, `${name} challenge`);
      writeWireAddress(out, start + 2, option.challenge);
    },
    read(frame, start) {
      return { type, challenge: readWireAddress(frame, start + 2) };
    },
  };
}

/** AUTH_CHALLENGE: sent to a neighbour whose frames carry a nonce this node has not accepted yet. */
export const authChallengeCodec = challengeCodec(OptionType.AUTH_CHALLENGE, 'AUTH_CHALLENGE');
/** AUTH_RESPONSE: the challenge echoed back, in a frame sealed with the sender's current nonce. */
export const authResponseCodec = challengeCodec(OptionType.AUTH_RESPONSE, 'AUTH_RESPONSE');
