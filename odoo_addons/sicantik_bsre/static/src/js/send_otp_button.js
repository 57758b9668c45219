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
import {SicantikSecretButton} from "./secret_button";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";

export class SicantikSendOtpButton extends SicantikSecretButton {
    static template = "sicantik_bsre.SendOtpButton";

    setup() {
        super.setup();
        this.orm = useService("orm");
    }

    onClick() {
        return this.saveWithoutSecretThen((record) =>
            this.orm.call(record.resModel, "action_send_otp", [[record.resId]], {
                context: record.context,
            })
        );
    }
}

registry.category("view_widgets").add("sicantik_send_otp_button", {
    component: SicantikSendOtpButton,
});
