/** The values of `--initrd` (src/boot/image-initrd.ts says what each does); no imports, so option parsing can use them. */
export const INITRD_CHOICES = ['sim', 'image'] as const;
export type InitrdChoice = (typeof INITRD_CHOICES)[number];
export const DEFAULT_INITRD: InitrdChoice = 'sim';
