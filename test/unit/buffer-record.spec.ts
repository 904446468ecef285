import { conditionField, modelField, recordOpAndSeq } from '../../src/buffer/buffer-record';

describe('buffer record fields', () => {
  it('reads the op and position of grants and revokes', () => {
    expect(recordOpAndSeq('w|42|1765000000000|0|')).toEqual({ op: 'w', seq: 42 });
    expect(recordOpAndSeq('d|7|1765000000000|3|2')).toEqual({ op: 'd', seq: 7 });
  });

  it('reads the model field, an index or an old record’s model id', () => {
    expect(modelField('w|1|2|0|')).toBe('');
    expect(modelField('w|1|2|0|3')).toBe('3');
    expect(modelField('w|1|2|0|01M986WP803Y1HFSSW6ET5HHZQ|{"name":"c"}')).toBe('01M986WP803Y1HFSSW6ET5HHZQ');
  });

  it('keeps a condition whole, `|` in its context included', () => {
    const condition = '{"name":"ip","context":{"cidr":"10.0.0.0/8|x"}}';
    expect(conditionField(`w|1|2|0|1|${condition}`)).toBe(condition);
    expect(recordOpAndSeq(`w|19|2|0|1|${condition}`)).toEqual({ op: 'w', seq: 19 });
    expect(conditionField('w|1|2|0|1')).toBe('');
  });
});
