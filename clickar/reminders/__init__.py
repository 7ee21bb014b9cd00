"""更新のご案内: reminder mails to members whose contracts are in the renewal period.

schedule.py  when each kind is due (pure)
run.py       the daily pass: select, log once, queue one mail per member
links.py     the signed one-click unsubscribe token and the opt-out
staff.py     counts and the CSV for the agency
views.py     the mail's link, the unsubscribe pages, the 設定 toggle, the staff pages
cli.py       `flask --app wsgi reminders send [--today] [--dry-run]`
"""
