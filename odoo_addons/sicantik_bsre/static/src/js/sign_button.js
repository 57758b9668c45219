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
import {Component, useState} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {rpc} from "@web/core/network/rpc";
import {standardWidgetProps} from "@web/views/widgets/standard_widget_props";
import {useService} from "@web/core/utils/hooks";

export class SicantikSignButton extends Component {
    static template = "sicantik_bsre.SignButton";
    static props = standardWidgetProps;

    setup() {
        this.action = useService("action");
        this.state = useState({busy: false});
    }

    async onClick() {
        if (this.state.busy) {
            return;
        }
        const record = this.props.record;
        // The one field holds the passphrase or the one-time code.
        const secret = record.data.passphrase || "";
        const kind = record.data.secret_kind === "totp" ? "totp" : "passphrase";
        this.state.busy = true;
        try {
            await record.update({passphrase: false});
            const saved = await record.save();
            if (!saved) {
                return;
            }
            const result = await rpc("/sicantik_bsre/sign", {
                wizard_id: record.resId,
                [kind]: secret,
            });
            await this.action.doAction(result);
        } finally {
            this.state.busy = false;
        }
    }
}

registry.category("view_widgets").add("sicantik_sign_button", {
    component: SicantikSignButton,
});
