// Moved to @crm/shared-kernel (one Money for every module); this re-export keeps not-yet-ported imports compiling until the lead removes it.
export * from '@crm/shared-kernel';
