"""The printed flyer's words, once (issue 16 item 8): the screens and the A4 flyer
(clickar/flyers/pdf.py) both read them, so paper and screen cannot drift apart.

Templates see this module as `flyer` (web.init_app): {{ flyer.STEPS[9] }},
{{ flyer.VERIFY_WITHIN }}, {{ flyer.INSURER_ADDRESS }}. Plain text only; the PDF adds its
own colour markup around IMPORTANT's pieces.
"""
from __future__ import annotations

from .identity import MAX_CONTRACTS

# マイページ会員登録お手続き手順: the flyer's step numbers and titles (steps 4–9 are the progress bar)
STEPS = {
    1: "マイページにアクセス",
    2: "マイページログイン",
    3: "マイページご利用までの流れを確認",
    4: "会員規定への同意",
    5: "お客さま情報の入力",
    6: "お客さま情報の確認",
    7: "仮登録受付",
    8: "メール受信",
    9: "本登録",
    10: "登録完了",
}

# the 本登録 link's life (registration.wizard.LINK_LIFETIME is 24 hours; tests/test_flyer_words.py
# checks that the two agree)
VERIFY_WITHIN = "24時間以内"
VERIFY_NOTE = f"※メール受信後、{VERIFY_WITHIN}に本登録をおこなってください。"

MAX_CONTRACTS_TEXT = f"最大{MAX_CONTRACTS}契約"

# ★重要★ at お客さま情報の入力 (step 5)
IMPORTANT_TITLE = "★重要★"
IMPORTANT_POLICY_NUMBER = ("Clickar更新サービスでお手続きをおこなっていただく契約の「証券番号」を入力してください。"
                           "（『更新後』証券番号ではありません）。")
IMPORTANT_FOUR_ITEMS = "入力された情報とご契約情報の下記4項目が一致していないと契約の登録ができません。"
FOUR_ITEMS = "「氏名」「住所」「生年月日」「電話番号」"
IMPORTANT_MANY_CONTRACTS = (f"複数の自動車保険にご加入の方は、「追加」ボタンをクリックすると{MAX_CONTRACTS_TEXT}まで"
                            "登録可能です。マイページ登録後に契約を追加することも可能です。")

# 【お問い合わせ先】（引受保険会社）
INSURER_ADDRESS = "〒160-8338 東京都新宿区西新宿1-26-1"
INSURER_WEBSITE = "https://www.sompo-japan.co.jp/"
