"""Page objects, one per screen, named as the flyer names the step."""
from .auth import LoginPage, OtpPage
from .base import Screen
from .mypage import ContractPage, MyPageTop, jdate
from .registration import (
    ConfirmPage,
    DonePage,
    FlowOverviewPage,
    InfoPage,
    LinkInvalidPage,
    SentPage,
    TermsPage,
    VerifyPage,
)

__all__ = [
    "Screen", "LoginPage", "OtpPage", "FlowOverviewPage", "TermsPage", "InfoPage", "ConfirmPage",
    "SentPage", "VerifyPage", "LinkInvalidPage", "DonePage", "MyPageTop", "ContractPage", "jdate",
]
