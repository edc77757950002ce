import { ErrorCode, MeridianError } from '@meridian/contracts';
import { resolveTag, validateFieldSet, validateValue, valueOrDefault, type CustomField } from './profile-values';

const field = (over: Partial<CustomField> = {}): CustomField => ({ name: 'Hobby', type: 'string', maxLength: 10, userReadable: true, userWritable: true, ...over });

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return MeridianError.is(err) ? err.code : -1;
  }
}

const check = (tag: string, value: unknown, custom: CustomField[] = []) => validateValue(resolveTag(tag, custom), value);

describe('profile values', () => {
  describe(resolveTag.name, () => {
    it('knows the standard tags and the declared custom ones, nothing else (40009)', () => {
      expect(resolveTag('Tag_Profile_IM_Nick', []).kind).toBe('standard');
      expect(resolveTag('Tag_Profile_Custom_Hobby', [field()]).kind).toBe('custom');
      expect(codeOf(() => resolveTag('Tag_Profile_Custom_Hobby', []))).toBe(ErrorCode.PROFILE_TAG_NOT_FOUND);
      expect(codeOf(() => resolveTag('Tag_Profile_IM_Unknown', []))).toBe(ErrorCode.PROFILE_TAG_NOT_FOUND);
      expect(codeOf(() => resolveTag('toString', []))).toBe(ErrorCode.PROFILE_TAG_NOT_FOUND);
      expect(codeOf(() => resolveTag(7, []))).toBe(ErrorCode.PROFILE_INVALID_PARAMETER);
    });
  });

  describe(validateValue.name, () => {
    it('accepts Tencent-typed standard values', () => {
      expect(check('Tag_Profile_IM_Nick', 'Ann')).toBe('Ann');
      expect(check('Tag_Profile_IM_Nick', 'x'.repeat(500))).toHaveLength(500);
      expect(check('Tag_Profile_IM_Gender', 'Gender_Type_Female')).toBe('Gender_Type_Female');
      expect(check('Tag_Profile_IM_AllowType', 'AllowType_Type_DenyAny')).toBe('AllowType_Type_DenyAny');
      expect(check('Tag_Profile_IM_AdminForbidType', 'AdminForbid_Type_SendOut')).toBe('AdminForbid_Type_SendOut');
      expect(check('Tag_Profile_IM_BirthDay', 20190419)).toBe(20190419);
      expect(check('Tag_Profile_IM_Level', 0xffffffff)).toBe(0xffffffff);
      expect(check('Tag_Profile_IM_Location', '1234567890123456')).toHaveLength(16);
    });

    it('answers 40610 for the wrong JSON type', () => {
      expect(codeOf(() => check('Tag_Profile_IM_Nick', 5))).toBe(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH);
      expect(codeOf(() => check('Tag_Profile_IM_Gender', 1))).toBe(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH);
      expect(codeOf(() => check('Tag_Profile_IM_BirthDay', '20190419'))).toBe(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH);
      expect(codeOf(() => check('Tag_Profile_IM_Role', null))).toBe(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH);
    });

    it('answers 40605 for standard values outside their set or range', () => {
      expect(codeOf(() => check('Tag_Profile_IM_Gender', 'Gender_Type_Other'))).toBe(ErrorCode.PROFILE_VALUE_INVALID);
      expect(codeOf(() => check('Tag_Profile_IM_AllowType', 'allowany'))).toBe(ErrorCode.PROFILE_VALUE_INVALID);
      expect(codeOf(() => check('Tag_Profile_IM_AdminForbidType', ''))).toBe(ErrorCode.PROFILE_VALUE_INVALID);
      expect(codeOf(() => check('Tag_Profile_IM_Level', -1))).toBe(ErrorCode.PROFILE_VALUE_INVALID);
      expect(codeOf(() => check('Tag_Profile_IM_Language', 1.5))).toBe(ErrorCode.PROFILE_VALUE_INVALID);
      expect(codeOf(() => check('Tag_Profile_IM_MsgSettings', 2 ** 32))).toBe(ErrorCode.PROFILE_VALUE_INVALID);
      expect(codeOf(() => check('Tag_Profile_IM_Location', '12345678901234567'))).toBe(ErrorCode.PROFILE_VALUE_INVALID);
    });

    it('answers 40601 for strings over 500 bytes (counted in bytes, not characters)', () => {
      expect(codeOf(() => check('Tag_Profile_IM_Nick', 'x'.repeat(501)))).toBe(ErrorCode.PROFILE_VALUE_TOO_LONG);
      expect(codeOf(() => check('Tag_Profile_IM_SelfSignature', '字'.repeat(167)))).toBe(ErrorCode.PROFILE_VALUE_TOO_LONG);
      expect(codeOf(() => check('Tag_Profile_IM_Image', 'x'.repeat(501)))).toBe(ErrorCode.PROFILE_VALUE_TOO_LONG);
    });

    it('checks custom fields against their declared type and length', () => {
      const custom = [field(), field({ name: 'Score', type: 'integer', maxLength: 0 })];
      expect(check('Tag_Profile_Custom_Hobby', 'chess', custom)).toBe('chess');
      expect(check('Tag_Profile_Custom_Score', 42, custom)).toBe(42);
      expect(codeOf(() => check('Tag_Profile_Custom_Hobby', 'x'.repeat(11), custom))).toBe(ErrorCode.PROFILE_VALUE_TOO_LONG);
      expect(codeOf(() => check('Tag_Profile_Custom_Hobby', 3, custom))).toBe(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH);
      expect(codeOf(() => check('Tag_Profile_Custom_Score', '42', custom))).toBe(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH);
      expect(codeOf(() => check('Tag_Profile_Custom_Score', -1, custom))).toBe(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH);
    });
  });

  describe(valueOrDefault.name, () => {
    it('gives Tencent defaults for unset standard fields and nothing for unset custom fields', () => {
      expect(valueOrDefault(resolveTag('Tag_Profile_IM_Nick', []), undefined)).toBe('');
      expect(valueOrDefault(resolveTag('Tag_Profile_IM_Gender', []), undefined)).toBe('Gender_Type_Unknown');
      expect(valueOrDefault(resolveTag('Tag_Profile_IM_AllowType', []), undefined)).toBe('AllowType_Type_NeedConfirm');
      expect(valueOrDefault(resolveTag('Tag_Profile_IM_AdminForbidType', []), undefined)).toBe('AdminForbid_Type_None');
      expect(valueOrDefault(resolveTag('Tag_Profile_IM_BirthDay', []), undefined)).toBe(0);
      expect(valueOrDefault(resolveTag('Tag_Profile_Custom_Hobby', [field()]), undefined)).toBeUndefined();
      expect(valueOrDefault(resolveTag('Tag_Profile_IM_Nick', []), 'Ann')).toBe('Ann');
    });
  });

  describe(validateFieldSet.name, () => {
    it('accepts up to 20 letter-named fields and normalises integer lengths', () => {
      const set = validateFieldSet([field(), field({ name: 'Score', type: 'integer', maxLength: 99 })], []);
      expect(set[1]).toEqual({ name: 'Score', type: 'integer', maxLength: 0, userReadable: true, userWritable: true });
      const twenty = Array.from({ length: 20 }, (_, i) => field({ name: `F${'abcdefghijklmnopqrst'[i]}` }));
      expect(validateFieldSet(twenty, [])).toHaveLength(20);
    });

    it.each([
      ['too many', Array.from({ length: 21 }, (_, i) => field({ name: 'Fx'.concat('abcdefghijklmnopqrstu'[i]!) }))],
      ['a digit in the name', [field({ name: 'Hobby2' })]],
      ['a name over 8 bytes', [field({ name: 'Favourite' })]],
      ['an empty name', [field({ name: '' })]],
      ['a name twice', [field(), field()]],
      ['an unknown type', [field({ type: 'bytes' as CustomField['type'] })]],
      ['a string length over 500', [field({ maxLength: 501 })]],
      ['a string length of 0', [field({ maxLength: 0 })]],
    ])('refuses %s with 40001', (_why, fields) => {
      expect(codeOf(() => validateFieldSet(fields, []))).toBe(ErrorCode.PROFILE_INVALID_PARAMETER);
    });

    it('never removes a declared field or changes its type', () => {
      const existing = [field()];
      expect(codeOf(() => validateFieldSet([], existing))).toBe(ErrorCode.PROFILE_INVALID_PARAMETER);
      expect(codeOf(() => validateFieldSet([field({ type: 'integer' })], existing))).toBe(ErrorCode.PROFILE_INVALID_PARAMETER);
      expect(validateFieldSet([field({ maxLength: 20, userWritable: false })], existing)[0]).toMatchObject({ maxLength: 20, userWritable: false });
    });
  });
});
