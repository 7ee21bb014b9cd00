"""Marketing's QR flyer console (issue 7).

qr.py        print-grade QR codes (SVG / PNG / PDF), cached per (URL, options)
pdf.py       the printable A4 flyer with the campaign's code
campaigns.py campaign rules: targets, unguessable codes, URLs, results, CSV
tracking.py  visits of /r/CODE (anonymised) and the registration funnel
charts.py    server-rendered SVG bar chart
staff.py     staff accounts, their session key, `flask staff …`
views.py     /r/CODE and the console under /staff/ (thin)
bench.py     throughput of /r/CODE and the QR SVG against a static file
"""
