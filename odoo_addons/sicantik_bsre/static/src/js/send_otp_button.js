/**
 * The "Send OTP" button of the BSrE signing dialog.
 *
 * Why a widget and not a plain object button: Odoo saves a dialog before it
 * calls an object button, through web_save (a call_kw, whose arguments Odoo
 * logs at DEBUG), with every edited field — including a passphrase the
 * official typed before choosing the one-time code. This button blanks the
 * secret field first, saves the wizard without it, then asks the server to
 * have BSrE send the code.
 */
import {Component, useState} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {standardWidgetProps} from "@web/views/widgets/standard_widget_props";
import {useService} from "@web/core/utils/hooks";

export class SicantikSendOtpButton extends Component {
    static template = "sicantik_bsre.SendOtpButton";
    static props = standardWidgetProps;

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
        this.state = useState({busy: false});
    }

    async onClick() {
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
            const result = await this.orm.call(
                record.resModel,
                "action_send_otp",
                [[record.resId]],
                {context: record.context}
            );
            await this.action.doAction(result);
        } finally {
            this.state.busy = false;
        }
    }
}

registry.category("view_widgets").add("sicantik_send_otp_button", {
    component: SicantikSendOtpButton,
});
