// A confirmation in the page's own <dialog> (window.confirm would block the sockets' callbacks
// and cannot be styled or tested like the rest of the page).
import { byId } from './dom.js';

export function confirmAction(title: string, message: string, confirmLabel: string): Promise<boolean> {
  const dialog = byId('confirm-dialog', HTMLDialogElement);
  byId('confirm-title', HTMLElement).textContent = title;
  byId('confirm-message', HTMLElement).textContent = message;
  const ok = byId('confirm-ok', HTMLButtonElement);
  ok.textContent = confirmLabel;
  dialog.returnValue = '';
  dialog.showModal();
  // The safe choice has focus: Enter does not destroy anything by accident.
  byId('confirm-cancel', HTMLButtonElement).focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
  });
}
