/**
 * The official signs from the request form through the BSrE dialog: the
 * passphrase is typed in the password field and sent by the dialog's button.
 */
import {openDialogAndTypePassphrase} from "./sign_dialog_steps";
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("sicantik_bsre_sign_dialog", {
    steps: () => [
        ...openDialogAndTypePassphrase(),
        {
            trigger: ".modal .o_sicantik_sign_button",
            run: "click",
        },
        {
            trigger: ".modal:contains('1 of 1 documents signed')",
        },
    ],
});
