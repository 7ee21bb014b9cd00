"""Marketing's QR flyer console (issue 7).

qr.py        print-grade QR codes (SVG / PNG / PDF), cached per (URL, options)
pdf.py       the printable A4 flyer with the campaign's code
campaigns.py campaign rules: targets, unguessable codes, URLs, results, CSV
tracking.py  visits of /r/CODE (anonymised) and the registration funnel
charts.py    server-rendered SVG bar chart
forms.py     the campaign form
results.py   the results page's numbers
fonts.py     the Japanese font the PDFs embed
pdfstream.py a PDF written a page at a time (the invitation letters)
views.py     /r/CODE and the console under /staff/ (thin), behind staff.guard

Staff accounts, login and the guard live in clickar/staff/; the throughput bench in bench/flyers.py.
"""
