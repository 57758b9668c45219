/**
 * The official types the passphrase, then chooses a one-time code and clicks
 * "Send OTP": the dialog is saved before the code is requested, and the typed
 * passphrase must not travel with that save.
 */
import {openDialogAndTypePassphrase} from "./sign_dialog_steps";
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("sicantik_bsre_send_otp_after_passphrase", {
    steps: () => [
        ...openDialogAndTypePassphrase(),
        {
            trigger: ".modal div[name='secret_kind'] input[data-value='totp']",
            run: "click",
        },
        {
            trigger: ".modal .o_sicantik_send_otp_button",
            run: "click",
        },
        {
            trigger: ".modal div[name='otp_message']:contains('1')",
        },
    ],
});
