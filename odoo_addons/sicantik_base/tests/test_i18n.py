from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader


@tagged("post_install", "-at_install")
class TestIndonesianTranslations(TransactionCase):
    """Every term of every installed SICANTIK addon has an Indonesian translation.

    Officers work in Bahasa Indonesia: an untranslated label is a visible defect,
    so it fails the build.  `tools/i18n.py update -d DB <addon>` refreshes id.po.
    """

    def test_every_term_translated(self):
        modules = self.env["ir.module.module"].search(
            [("name", "=like", "sicantik\\_%"), ("state", "=", "installed")]
        )
        self.assertTrue(modules)
        missing = []
        for module in modules.mapped("name"):
            po_path = Path(get_module_path(module)) / "i18n" / "id.po"
            self.assertTrue(po_path.is_file(), f"{module} has no i18n/id.po")
            translated = {
                entry.msgid for entry in polib.pofile(str(po_path)) if entry.msgstr
            }
            reader = TranslationModuleReader(self.env.cr, modules=[module])
            for _mod, _type, name, _res_id, source, _value, _comments in reader:
                if source.strip() and source not in translated:
                    missing.append(f"{module}: {name}: {source!r}")
        self.assertFalse(missing, "Untranslated terms:\n" + "\n".join(missing))

    def test_translations_load(self):
        """Odoo's own loader accepts every id.po (as `make run` loads them).

        polib is lenient; Odoo's reader is not (an entry without its
        ``#. module:`` line stops the whole language from loading), so load the
        files the way a database with Indonesian does.
        """
        self.env["res.lang"]._activate_lang("id_ID")
        modules = self.env["ir.module.module"].search(
            [("name", "=like", "sicantik\\_%"), ("state", "=", "installed")]
        )
        modules._load_module_terms(modules.mapped("name"), ["id_ID"], overwrite=True)
        group = self.env.ref("sicantik_base.group_pejabat").with_context(lang="id_ID")
        self.assertEqual(group.name, "Pejabat Penandatangan")
