"""Demo data: an account for every role and unit, and an application round open for submissions."""

from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, Unit, User

PASSWORD = "demo12345"

# Recommending units (Art. 8): the 12 leagues and cities, 满洲里 and 二连浩特, national high-tech zones,
# the national agricultural high-tech demonstration zone, universities directly under the region.
UNITS = [
    ("hohhot", "呼和浩特市科技局", "bureau"), ("baotou", "包头市科技局", "bureau"),
    ("hulunbuir", "呼伦贝尔市科技局", "bureau"), ("xingan", "兴安盟科技局", "bureau"),
    ("tongliao", "通辽市科技局", "bureau"), ("chifeng", "赤峰市科技局", "bureau"),
    ("xilingol", "锡林郭勒盟科技局", "bureau"), ("ulanqab", "乌兰察布市科技局", "bureau"),
    ("ordos", "鄂尔多斯市科技局", "bureau"), ("bayannur", "巴彦淖尔市科技局", "bureau"),
    ("wuhai", "乌海市科技局", "bureau"), ("alxa", "阿拉善盟科技局", "bureau"),
    ("manzhouli", "满洲里市工信和科技局", "bureau"), ("erenhot", "二连浩特市教育科技局", "bureau"),
    ("baotou_hitech", "包头稀土高新技术产业开发区管委会", "hightech_zone"),
    ("hohhot_hitech", "呼和浩特金山高新技术产业开发区管委会", "hightech_zone"),
    ("bayannur_agri", "巴彦淖尔国家农业高新技术产业示范区管委会", "agri_zone"),
    ("imu", "内蒙古大学", "university"),
]

ORGANISATIONS = [
    ("qingcheng", "呼和浩特青城创客科技有限公司", "hohhot"),
    ("lucheng", "包头鹿城众创孵化服务有限公司", "baotou"),
    ("caoyuan", "鄂尔多斯草原星火创业服务中心", "ordos"),
    ("expert_org_a", "内蒙古工业大学", "hohhot"),
    ("expert_org_b", "内蒙古科技大学", "baotou"),
]


def _user(username, name, role, organisation=None, unit=None, email=None) -> User:
    user = User(username=username, display_name=name, role=role, email=email,
                organisation_id=organisation.id if organisation else None, unit_id=unit.id if unit else None)
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def _open_demo_round(units: list[Unit], approver: User) -> None:
    """The demo's round, opened as the Department would: from today, 60 days, every recommending unit."""
    from datetime import timedelta

    from webapp.rounds.service import open_round, today

    db.session.flush()
    start = today()
    open_round(title=f"{start.year}年度自治区众创空间认定（第一批）", year=start.year, batch=1, opens_on=start,
               closes_on=start + timedelta(days=60), unit_ids=[u.id for u in units], user=approver,
               instructions="请运营机构对照《内蒙古自治区众创空间管理办法（试行）》第六条认定条件自查，"
                            "如实填写申报书并上传第七条所列材料，经所在盟市科技局或推荐单位审核推荐。")


def add_units_and_organisations() -> tuple[dict[str, Unit], dict[str, Organisation]]:
    """The demo's recommending units and operating organisations, by code (also the benchmark's)."""
    units = {code: Unit(code=code, name=name, kind=kind) for code, name, kind in UNITS}
    db.session.add_all(units.values())
    db.session.flush()
    orgs = {code: Organisation(name=name, unit_id=units[unit].id) for code, name, unit in ORGANISATIONS}
    db.session.add_all(orgs.values())
    db.session.flush()
    return units, orgs


def seed() -> list[tuple[str, str, str]]:
    if db.session.scalar(select(User).limit(1)) is None:
        units, orgs = add_units_and_organisations()
        _user("qingcheng", "青城创客（申报单位）", "applicant", orgs["qingcheng"], units["hohhot"])
        _user("lucheng", "鹿城众创（申报单位）", "applicant", orgs["lucheng"], units["baotou"])
        _user("caoyuan", "草原星火（申报单位）", "applicant", orgs["caoyuan"], units["ordos"])
        _user("hohhot_bureau", "呼和浩特市科技局", "recommender", unit=units["hohhot"])
        _user("baotou_bureau", "包头市科技局", "recommender", unit=units["baotou"])
        _user("ordos_bureau", "鄂尔多斯市科技局", "recommender", unit=units["ordos"])
        _user("torch1", "火炬中心 王审核", "torch_center")
        _user("torch2", "火炬中心 李审核", "torch_center")
        _user("expert1", "专家 赵教授（工大）", "expert", orgs["expert_org_a"], units["hohhot"])
        _user("expert2", "专家 钱研究员", "expert", orgs["expert_org_b"], units["baotou"])
        _user("expert3", "专家 孙高工", "expert", unit=units["imu"])
        _user("expert4", "专家 周教授", "expert", unit=units["imu"])
        _user("expert5", "专家 吴会计师", "expert", unit=units["wuhai"])
        approver = _user("approver", "科技厅 高新处", "approver")
        _user("supervisor", "监督员 郑监督", "supervisor")
        _user("designer", "流程设计 冯设计", "designer")
        _open_demo_round(list(units.values()), approver)
        db.session.commit()
        from webapp.clock import clock
        from webapp.demo_history import seed_applications, seed_history

        seed_history(clock.now())
        seed_applications()
    return [(u.role, u.username, u.display_name) for u in db.session.scalars(select(User).order_by(User.id))]
