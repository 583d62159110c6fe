"""Public notices (公示), readable without an account."""

from flask import Blueprint, render_template
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import PublicNotice

bp = Blueprint("notices", __name__)


@bp.route("/notices")
def index():
    notices = db.session.scalars(select(PublicNotice).order_by(PublicNotice.id.desc()).limit(200)).all()
    return render_template("notices/index.html", notices=notices)
