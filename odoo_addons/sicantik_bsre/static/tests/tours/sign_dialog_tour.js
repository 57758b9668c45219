/**
 * The official signs from the request form through the BSrE dialog: the
 * passphrase is typed in the password field and sent by the dialog's button.
 */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("sicantik_bsre_sign_dialog", {
    steps: () => [
        {
            trigger: ".o_form_view button[name='action_open_sign_wizard']",
            run: "click",
        },
        {
            trigger: ".modal div[name='certificate_status']:contains('ISSUE')",
        },
        {
            trigger: ".modal div[name='passphrase'] input",
            run: "edit Sandbox#123",
        },
        {
            trigger: ".modal .o_sicantik_sign_button",
            run: "click",
        },
        {
            trigger: ".modal:contains('1 of 1 documents signed')",
        },
    ],
});
