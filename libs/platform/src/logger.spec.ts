import { logFormat } from './logger';

describe('logFormat', () => {
  it('is pretty for a person at a terminal in development', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({ NODE_ENV: 'development' }, true)).toBe('pretty');
    expect(logFormat({ NODE_ENV: 'test' }, true)).toBe('pretty');
  });

  it('is JSON when stdout is not a terminal (containers, pipes, files)', () => {
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ NODE_ENV: 'development' }, false)).toBe('json');
  });

  it('is JSON in production even at a terminal', () => {
    expect(logFormat({ NODE_ENV: 'production' }, true)).toBe('json');
  });

  it('follows LOG_FORMAT over the detection, either way', () => {
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }, false)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: ' Pretty ' }, false)).toBe('pretty');
  });

  it('rejects an unknown LOG_FORMAT instead of guessing', () => {
    expect(() => logFormat({ LOG_FORMAT: 'yaml' }, true)).toThrow('LOG_FORMAT must be json or pretty, not "yaml"');
  });
});
