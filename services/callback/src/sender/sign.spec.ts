import { callbackSign } from './sign';

describe(callbackSign.name, () => {
  it('matches the test vector of Tencent\'s documentation (Token xxxxyyyy, RequestTime 1669872112)', () => {
    expect(callbackSign('xxxxyyyy', 1669872112)).toBe('17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061');
    expect(callbackSign('xxxxyyyy', '1669872112')).toBe('17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061');
  });

  it('does not match the misprinted token of some copies (xxxyyy)', () => {
    expect(callbackSign('xxxyyy', 1669872112)).not.toBe('17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061');
  });
});
