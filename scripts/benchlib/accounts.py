"""The people of a benchmark database: the demo's units, organisations and accounts (same user names,
password `demo12345`), more experts and operating organisations when asked, and an application round open
for ten years (the clock may move years ahead)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select

from webapp.demo import ORGANISATIONS, PASSWORD, add_units_and_organisations
from webapp.extensions import db
from webapp.models import ApplicationRound, Organisation, Unit, User
from webapp.passwords import hash_password

# (user name, display name, role, organisation code, unit code), as in webapp/demo.py
PEOPLE = [
    ("qingcheng", "青城创客（申报单位）", "applicant", "qingcheng", "hohhot"),
    ("lucheng", "鹿城众创（申报单位）", "applicant", "lucheng", "baotou"),
    ("caoyuan", "草原星火（申报单位）", "applicant", "caoyuan", "ordos"),
    ("hohhot_bureau", "呼和浩特市科技局", "recommender", None, "hohhot"),
    ("baotou_bureau", "包头市科技局", "recommender", None, "baotou"),
    ("ordos_bureau", "鄂尔多斯市科技局", "recommender", None, "ordos"),
    ("torch1", "火炬中心 王审核", "torch_center", None, None),
    ("torch2", "火炬中心 李审核", "torch_center", None, None),
    ("expert1", "专家 赵教授（工大）", "expert", "expert_org_a", "hohhot"),
    ("expert2", "专家 钱研究员", "expert", "expert_org_b", "baotou"),
    ("expert3", "专家 孙高工", "expert", None, "imu"),
    ("expert4", "专家 周教授", "expert", None, "imu"),
    ("expert5", "专家 吴会计师", "expert", None, "wuhai"),
    ("approver", "科技厅 高新处", "approver", None, None),
    ("supervisor", "监督员 郑监督", "supervisor", None, None),
    ("designer", "流程设计 冯设计", "designer", None, None),
]


@dataclass
class People:
    users: dict[str, int]  # user name → id
    units: dict[str, int]  # unit code → id
    organisations: list[int]  # operating organisations (applicants), the demo's three first
    experts: list[int]  # every expert, the demo's five first
    round_id: int = 0
    unit_of: dict[int, int] = field(default_factory=dict)  # organisation id → its unit id


def add_people(extra_experts: int = 0, extra_organisations: int = 0) -> People:
    """Create everyone in an empty database and commit. One password hash for all (argon2 is slow on purpose)."""
    from webapp.clock import CHINA, clock
    from webapp.rounds.service import open_round

    password_hash = hash_password(PASSWORD)
    units, orgs = add_units_and_organisations()
    users = {}
    for username, name, role, org, unit in PEOPLE:
        user = User(username=username, display_name=name, role=role, password_hash=password_hash,
                    organisation_id=orgs[org].id if org else None, unit_id=units[unit].id if unit else None)
        db.session.add(user)
        users[username] = user
    db.session.flush()
    unit_ids = [u.id for u in units.values()]
    # Operating organisations spread over the recommending units, and experts of universities and bureaus.
    if extra_organisations:
        db.session.execute(insert(Organisation), [
            {"name": f"众创运营机构{n}", "unit_id": unit_ids[n % len(unit_ids)]} for n in range(1, extra_organisations + 1)])
    if extra_experts:
        db.session.execute(insert(User), [
            {"username": f"expert_{n}", "display_name": f"评审专家{n}", "role": "expert", "password_hash": password_hash,
             "unit_id": unit_ids[n % len(unit_ids)], "active": True} for n in range(1, extra_experts + 1)])
    opens = clock.now().astimezone(CHINA).date()
    open_round(title=f"{opens.year}年度自治区众创空间认定（基准测试批次）", year=opens.year, batch=1,
                             opens_on=opens, closes_on=opens + timedelta(days=3653), unit_ids=unit_ids,
                             user=users["approver"])
    db.session.commit()
    return people()


def people() -> People:
    """Who is in the database, as add_people made it."""
    users = dict(db.session.execute(select(User.username, User.id)).all())
    units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    demo = [name for _, name, _ in ORGANISATIONS]
    named = dict(db.session.execute(select(Organisation.name, Organisation.id).where(Organisation.name.in_(demo))).all())
    applicants = [named[name] for code, name, _ in ORGANISATIONS if code in ("qingcheng", "lucheng", "caoyuan")]
    applicants += list(db.session.scalars(
        select(Organisation.id).where(Organisation.id.notin_(named.values())).order_by(Organisation.id)))
    experts = [users[f"expert{n}"] for n in range(1, 6)] + list(db.session.scalars(
        select(User.id).where(User.username.like("expert\\_%", escape="\\")).order_by(User.id)))
    round_id = db.session.scalar(select(ApplicationRound.id).order_by(ApplicationRound.id.desc()).limit(1))
    return People(users=users, units=units, organisations=applicants, experts=experts, round_id=round_id,
                  unit_of=dict(db.session.execute(select(Organisation.id, Organisation.unit_id)).all()))
