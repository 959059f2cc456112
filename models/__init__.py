"""SQLModel tables and domain rules. Importing this package registers every record type."""

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
