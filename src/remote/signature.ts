/**
 * Detached OpenPGP signatures of a published checksum list: made with the publisher's GnuPG key,
 * checked against a keyring file the user names with Debian's sqv (Sequoia's verifier: reads
 * binary and armoured keyrings, refuses weak algorithms) or, where sqv is not installed, gpgv.
 */
import { SimError } from '../core/errors.js';
import { run, which } from '../core/process.js';

/** Check `signature` of `data` against `keyring`; the signer's fingerprint when sqv names it. */
export async function verifySignature(data: string, signature: string, keyring: string, what: string): Promise<{ signer?: string }> {
  const useSqv = Boolean(await which('sqv'));
  const result = useSqv
    ? await run('sqv', ['--keyring', keyring, signature, data], { allowFailure: true })
    : await run('gpgv', ['--keyring', keyring, signature, data], { allowFailure: true });
  if (result.exitCode !== 0) {
    const said = (result.stderr.trim().split('\n').filter(Boolean).pop() ?? '').replace(/^gpgv: /, '');
    throw new SimError(
      'IMAGE_SIGNATURE_BAD',
      `The signature of ${what} does not verify with the keyring ${keyring}${said ? ` (${useSqv ? 'sqv' : 'gpgv'}: ${said.trim()})` : ''}.`,
      'Nothing was stored. Check that the keyring holds the publisher\'s key; if it does, the files on the server were changed or damaged since they were signed: tell the publisher.',
    );
  }
  const signer = result.stdout.trim().split('\n').find((line) => /^[0-9A-F]{40,64}$/.test(line.trim()));
  return signer ? { signer: signer.trim() } : {};
}

/** Sign `data` into `signature` (binary, detached) with the publisher's GnuPG key `key` (an id, fingerprint or e-mail). */
export async function signDetached(data: string, signature: string, key: string): Promise<void> {
  await run('gpg', ['--batch', '--yes', '--detach-sign', '--local-user', key, '--output', signature, data]);
}
