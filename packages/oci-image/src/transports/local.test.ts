import { describe, expect, it } from 'vitest';
import { LOCAL_TRANSPORT_NAMES } from './local-names.js';
import { localTransports, localTransportsWith } from './local.js';

describe('local transports', () => {
  it('names exactly the transports it provides, so lazy callers know what to load', () => {
    expect(localTransports.map((t) => t.name)).toEqual(LOCAL_TRANSPORT_NAMES);
    expect(localTransportsWith({}).map((t) => t.name)).toEqual(LOCAL_TRANSPORT_NAMES);
  });
});
