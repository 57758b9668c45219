"""Guards for the few model methods that must stay callable over RPC.

Odoo makes every model method without a leading ``_`` (and not
``@api.private``) an endpoint of ``/web/dataset/call_kw`` for *every* user who
can read the model, with any arguments; ``call_kw`` itself checks no group.
So each public method of our addons is either private, or carries
:func:`guard`, which refuses the call with an :class:`AccessError` before the
method body runs unless the caller is the superuser (crons, ``sudo()``) or a
member of one of the named groups.  Record-level checks (the request's own
official, the permit's unit) stay inside the method, after the guard.

The guard records its groups on the function (``_sicantik_guard``) so that the
RPC-surface test can compare each method with the committed list of what is
meant to be callable, and by whom (``security/rpc_surface.csv`` of each addon).
"""

import functools

from odoo.exceptions import AccessError

#: Shorthands for the SICANTIK groups, usable in :func:`guard` and in the
#: ``allowed``/``guard`` columns of ``security/rpc_surface.csv``.
GROUPS = {
    "petugas": "sicantik_base.group_petugas",
    "pejabat": "sicantik_base.group_pejabat",
    "auditor": "sicantik_base.group_auditor",
    "admin": "sicantik_base.group_admin",
    "user": "base.group_user",
}


def group_xmlids(names):
    """Full xml ids for ``names`` (shorthands or ``module.xmlid``)."""
    return tuple(GROUPS.get(name, name) for name in names)


def check_groups(env, *names):
    """Raise :class:`AccessError` unless ``env`` is superuser or in a group."""
    if env.su:
        return
    xmlids = group_xmlids(names)
    if any(env.user.has_group(xmlid) for xmlid in xmlids):
        return
    # env._, not odoo._: the module is found from the caller's frame, and
    # here that frame has no ``self`` to read the language from.
    raise AccessError(
        env._(
            "You are not allowed to do this (it needs one of: %(what)s).",
            what=", ".join(xmlids),
        )
    )


def guard(*names):
    """Decorate a public model method: only the superuser or these groups.

    ``@guard("admin")`` below ``@api.model`` (or on a record method).  The
    wrapped function keeps Odoo's API markers (``functools.wraps`` copies the
    function's ``__dict__``).
    """
    xmlids = group_xmlids(names)

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            check_groups(self.env, *xmlids)
            return method(self, *args, **kwargs)

        guarded._sicantik_guard = xmlids
        return guarded

    return decorate
