from flask import Blueprint, render_template
from flask_login import current_user

from webapp.auth.decorators import role_required

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


@bp.get("/new")
@role_required("receiver")
def new():
    locations = [loc for loc in current_user.store.locations if loc.active]
    back = next((loc for loc in locations if loc.kind == "backroom"), locations[0] if locations else None)
    selling = current_user.store.selling_location
    return render_template("transfers/new.html", locations=locations,
                           from_id=back.id if back else None, to_id=selling.id if selling else None)
