/**
 * The "Sign" button of the BSrE signing dialog.
 *
 * Why a widget and not a plain object button: Odoo saves a dialog (with every
 * edited field) before it calls a button, which would send the passphrase to
 * create()/write(). This button reads the passphrase from the form, blanks it
 * in the client record, saves the wizard without it, and hands the value to
 * the server only in the body of a POST to /sicantik_bsre/sign — never
 * stored, never in the context or a URL, and not through call_kw (whose
 * arguments Odoo logs at DEBUG).
 */
import {SicantikSecretButton} from "./secret_button";
import {registry} from "@web/core/registry";
import {rpc} from "@web/core/network/rpc";

export class SicantikSignButton extends SicantikSecretButton {
    static template = "sicantik_bsre.SignButton";

    onClick() {
        const record = this.props.record;
        // The one field holds the passphrase or the one-time code.
        const secret = record.data.passphrase || "";
        const kind = record.data.secret_kind === "totp" ? "totp" : "passphrase";
        return this.saveWithoutSecretThen((saved) =>
            rpc("/sicantik_bsre/sign", {wizard_id: saved.resId, [kind]: secret})
        );
    }
}

registry.category("view_widgets").add("sicantik_sign_button", {
    component: SicantikSignButton,
});
