/**
 * What the BSrE signing dialog's "Sign" and "Send OTP" buttons share.
 *
 * Why one base: both must blank the secret field and save the wizard without
 * it before anything reaches the server (Odoo's own save would send a typed
 * passphrase to create()/write() and, through call_kw, to the DEBUG log).
 * Keeping that order in one place keeps the two buttons from drifting apart.
 */
import {Component, useState} from "@odoo/owl";
import {standardWidgetProps} from "@web/views/widgets/standard_widget_props";
import {useService} from "@web/core/utils/hooks";

export class SicantikSecretButton extends Component {
    static props = standardWidgetProps;

    setup() {
        this.action = useService("action");
        this.state = useState({busy: false});
    }

    /**
     * Blank the secret, save the wizard without it, then open the action
     * that `call(record)` answers; one click at a time.
     */
    async saveWithoutSecretThen(call) {
        if (this.state.busy) {
            return;
        }
        const record = this.props.record;
        this.state.busy = true;
        try {
            await record.update({passphrase: false});
            const saved = await record.save();
            if (!saved) {
                return;
            }
            await this.action.doAction(await call(record));
        } finally {
            this.state.busy = false;
        }
    }
}
