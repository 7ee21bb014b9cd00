"""Personal invitation letters (issue 22): a QR code that already knows the contract.

core.py     batches, tokens (hash only, single use, expiring, revocable), the birth-date proof
letters.py  the A4 letters' PDF and the print vendor's CSV, made as they are downloaded
forms.py    the short registration (生年月日, mail address, password ×2) and the console's forms
views.py    /I/TOKEN and /i/token, and /staff/invitations (admins create and download)
"""
