import assert from 'node:assert/strict';
import { RoundTrip } from '../../../src/vrr/round-trip.ts';

describe('vrr/round-trip (learnt timeouts)', () => {
  it('gives the floor until it has learnt, then SRTT + 4 RTTVAR, never past the cap', () => {
    const rt = new RoundTrip();
    assert.equal(rt.timeout(100, 1000), 100, 'nothing learnt: the floor');
    rt.sample(200); // SRTT 200, RTTVAR 100
    assert.equal(rt.timeout(100, 1000), 600);
    assert.equal(rt.timeout(700, 1000), 700, 'never below the floor');
    assert.equal(rt.timeout(100, 500), 500, 'never above the cap');
    rt.sample(200); // RTTVAR 0.75 * 100 + 0.25 * 0
    assert.equal(rt.srtt, 200);
    assert.equal(rt.rttvar, 75);
  });

  it('backs off to twice the unanswered wait, once per burst, and a sample clears the back-off', () => {
    const rt = new RoundTrip();
    rt.backOff(100, 10_000);
    assert.equal(rt.timeout(100, 10_000), 200);
    // Ten sends that all waited 100 ms and went unanswered: still 200, not 100 * 2^10.
    for (let i = 0; i < 10; i++) rt.backOff(100, 10_000);
    assert.equal(rt.timeout(100, 10_000), 200);
    rt.backOff(200, 10_000);
    assert.equal(rt.timeout(100, 10_000), 400, 'a send that waited the backed-off time doubles it again');
    rt.backOff(8000, 10_000);
    assert.equal(rt.timeout(100, 10_000), 10_000, 'capped');
    rt.sample(50);
    assert.equal(rt.backedOff, 0);
    assert.equal(rt.timeout(100, 10_000), 150, 'learnt again: 50 + 4 * 25');
  });

  it('never lowers the timeout by backing off', () => {
    const rt = new RoundTrip();
    rt.sample(1000);
    const before = rt.timeout(100, 100_000);
    rt.backOff(10, 100_000);
    assert.ok(rt.timeout(100, 100_000) >= before);
  });

  // RFC 6298 2.3: RTTVAR moves a quarter of the way to |SRTT - R'|, SRTT an eighth of the way to R', whichever side
  // the sample falls on; the timeout follows both.
  it('moves RTTVAR by a quarter of the deviation and SRTT by an eighth of the sample, up or down', () => {
    const rt = new RoundTrip();
    rt.sample(200); // SRTT 200, RTTVAR 100
    rt.sample(600); // RTTVAR 0.75 * 100 + 0.25 * 400, SRTT 0.875 * 200 + 0.125 * 600
    assert.equal(rt.rttvar, 175);
    assert.equal(rt.srtt, 250);
    assert.equal(rt.timeout(100, 10_000), 950);
    rt.sample(90); // RTTVAR 0.75 * 175 + 0.25 * 160, SRTT 0.875 * 250 + 0.125 * 90
    assert.equal(rt.rttvar, 171.25);
    assert.equal(rt.srtt, 230);
  });

  // Over a link of constant delay RTTVAR decays toward 0: the deviation term stays at least SRTT / 4, so an answer
  // that takes exactly the usual time is not sent again.
  it('keeps the timeout at least 1.25 SRTT when the round trip never varies', () => {
    const rt = new RoundTrip();
    for (let i = 0; i < 50; i++) rt.sample(200);
    assert.ok(rt.rttvar < 1);
    assert.equal(rt.timeout(10, 10_000), 250);
  });
});
