"""Screenshot scripts (make screenshots, make flyer-images): tooling like bench/, never imported by
clickar/ and not in the image. Each walks the app on a server started like the e2e kit's local
mode (e2e.kit.LocalServer) with Debian's chromium and writes PNGs:

    python -m screenshots.journey FOLDER        NN-<step>.png: the flyer's journey, 390 px
    python -m screenshots.registration FOLDER   reg-*-320/390.png: issue 19's registration screens
    python -m screenshots.renewal [FOLDER]      renewal-NN-*.png, mypage-*.png
    python -m screenshots.help [FOLDER]         help-*.png: AIチャット
    python -m screenshots.flyers FOLDER         flyers-*.png: the staff console, the A4 flyer
    python -m screenshots.a11y [FOLDER]         a11y-*-light/dark.png
"""
