from . import controllers
from . import models
from .http_session import install_session_store


def post_load():
    install_session_store()
