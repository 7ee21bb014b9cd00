"""Staff: the insurer's own people (not members) — accounts, login, roles, the guard, the console shell.

    accounts.py  accounts, password check, the staff login in the session, `flask staff …`
    guard.py     guard(bp): signed-in staff only, never cached or indexed; admin_required
    forms.py     the staff login form
    views.py     /staff/login, /staff/logout, /staff/accounts

The staff base template is templates/staff/_base.html. The flyer console
(flyers/) and the chat's staff page (help/) put their pages behind guard().
"""
