// @types/novnc__novnc declares the class under its old path; the package exports it as its main module.
declare module '@novnc/novnc' {
  export { default } from '@novnc/novnc/lib/rfb';
}
