/**
 * Tour steps the BSrE dialog tours share: open the signing dialog from the
 * request form, wait for the certificate check, type the sandbox passphrase.
 */

export function openDialogAndTypePassphrase() {
    return [
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
    ];
}
