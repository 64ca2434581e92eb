// fontkit ships no type declarations; this is the small part of its API the documents use.
declare module 'fontkit' {
  export interface Font {
    unitsPerEm: number;
    ascent: number;
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Buffer, postscriptName?: string): Font;
}
