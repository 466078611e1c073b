"""Tenant-owned content, one module per subject. Every model here is scoped to
the current village by ``tenants.scoping``; none filters by tenant itself."""
from __future__ import annotations

from .base import DRAFT, PUBLISHED, SCHEDULED, STATES  # noqa: F401
from .figures import BUDGET_SECTIONS, STAT_CATEGORIES, BudgetLine, PopulationStat  # noqa: F401
from .media import DOCUMENT_CATEGORIES, Album, Document, MediaFile, Photo  # noqa: F401
from .notices import Announcement, Event  # noqa: F401
from .pages import PROFIL_SECTIONS, MenuItem, Page  # noqa: F401
from .people import GROUPS, Official  # noqa: F401
from .posts import Category, Post, Tag, post_tags  # noqa: F401
from .ppid import Complaint, InformationRequest, Objection, RequestEvent  # noqa: F401
from .settings import SiteSettings  # noqa: F401
from .users import ROLES, Invitation, Membership, User, UserSession  # noqa: F401,E402
from .history import AuditLog, Revision  # noqa: F401,E402
from .search import SearchEntry  # noqa: F401,E402
