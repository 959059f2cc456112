"""SQLModel tables and domain rules. Importing this package registers every record type."""

import importlib
import pkgutil

from models.accounts import ApiToken, AuthSession, LoginFailure, User, UserRole
from models.audit import AuditEntry
from models.base import ENTITIES, EntityMeta, Record
from models.jobs import TransferJob
from models.organisations import Organisation, OrganisationKind, OrganisationLevel
from models.practice import Company, Internship, InternshipStatus
from models.saved_views import SavedView
from models.scholarships import EmploymentOutcome, FamilyCategory, Gender, Grant, ScholarshipStudent
from models.search import install_functions
from models.sites import Recognition, ServiceSite, SiteKind
from models.tallies import roster_table, tally_table
from models.training import Course, CourseCategory, CourseSession, Enrolment, EnrolmentStatus

install_functions(Record.metadata)

# Every other module of the package too: a record type declared in a new module registers
# itself without a line here (the names above are shortcuts for existing callers).
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "ENTITIES",
    "ApiToken",
    "AuditEntry",
    "AuthSession",
    "Company",
    "Course",
    "CourseCategory",
    "CourseSession",
    "EmploymentOutcome",
    "Enrolment",
    "EnrolmentStatus",
    "EntityMeta",
    "FamilyCategory",
    "Gender",
    "Grant",
    "Internship",
    "InternshipStatus",
    "LoginFailure",
    "Organisation",
    "OrganisationKind",
    "OrganisationLevel",
    "Recognition",
    "SavedView",
    "Record",
    "ScholarshipStudent",
    "ServiceSite",
    "SiteKind",
    "TransferJob",
    "User",
    "UserRole",
    "roster_table",
    "tally_table",
]
