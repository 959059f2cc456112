"""The statistics' tallies as ``models.tallies`` generated them at 0018_published_tallies.

Frozen: the triggers keeping ``tally`` and ``instructor_roster`` (published rows of the
public types tallied apart; the roster keyed by whether the course is published too), the
statements removing them, and the statements recomputing both tables from the records.
"""

from __future__ import annotations

TRIGGERS: dict[str, list[str]] = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION tally_organisation() RETURNS trigger LANGUAGE plpgsql AS "
        "$tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT OLD.id, "
        "'rows', 'organisation', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT OLD.id, "
        "'published_rows', 'organisation', -1, 0 WHERE OLD.deleted_at IS NULL AND OLD.published "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT NEW.id, "
        "'rows', 'organisation', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, "
        "figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT NEW.id, "
        "'published_rows', 'organisation', 1, 0 WHERE NEW.deleted_at IS NULL AND NEW.published "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_organisation_write ON organisation",
        "DROP TRIGGER IF EXISTS tally_organisation_change ON organisation",
        "CREATE TRIGGER tally_organisation_write BEFORE INSERT OR DELETE ON organisation FOR "
        "EACH ROW EXECUTE FUNCTION tally_organisation()",
        "CREATE TRIGGER tally_organisation_change BEFORE UPDATE OF deleted_at, published ON "
        "organisation FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR "
        "OLD.published IS DISTINCT FROM NEW.published) EXECUTE FUNCTION tally_organisation()",
        "CREATE OR REPLACE FUNCTION tally_service_site() RETURNS trigger LANGUAGE plpgsql AS "
        "$tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'rows', 'service_site', -1, 0 WHERE OLD.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'site_kind', OLD.kind, -1, 0 WHERE OLD.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_rows', 'service_site', -1, 0 WHERE OLD.deleted_at IS "
        "NULL AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_site_kind', OLD.kind, -1, 0 WHERE OLD.deleted_at IS "
        "NULL AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'service_site', 1, 0 WHERE NEW.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'site_kind', NEW.kind, 1, 0 WHERE NEW.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_rows', 'service_site', 1, 0 WHERE NEW.deleted_at IS "
        "NULL AND NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_site_kind', NEW.kind, 1, 0 WHERE NEW.deleted_at IS NULL "
        "AND NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_service_site_write ON service_site",
        "DROP TRIGGER IF EXISTS tally_service_site_change ON service_site",
        "CREATE TRIGGER tally_service_site_write BEFORE INSERT OR DELETE ON service_site FOR "
        "EACH ROW EXECUTE FUNCTION tally_service_site()",
        "CREATE TRIGGER tally_service_site_change BEFORE UPDATE OF deleted_at, organisation_id, "
        "kind, published ON service_site FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM "
        "NEW.deleted_at OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id OR OLD.kind "
        "IS DISTINCT FROM NEW.kind OR OLD.published IS DISTINCT FROM NEW.published) EXECUTE "
        "FUNCTION tally_service_site()",
        "CREATE OR REPLACE FUNCTION tally_course() RETURNS trigger LANGUAGE plpgsql AS $tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'rows', 'course', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_rows', 'course', -1, 0 WHERE OLD.deleted_at IS NULL AND "
        "OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO instructor_roster (organisation_id, name, course_organisation_id, "
        "course_published, n) SELECT e.organisation_id, e.name, OLD.organisation_id, "
        "OLD.published, -1 * COUNT(*) FROM enrolment e WHERE e.course_id = OLD.id AND "
        "e.deleted_at IS NULL AND e.status = 'qualified' AND OLD.deleted_at IS NULL AND "
        "OLD.category = 'instructor_training' GROUP BY e.organisation_id, e.name ON CONFLICT "
        "(organisation_id, name, course_organisation_id, course_published) DO UPDATE SET n = "
        "instructor_roster.n + excluded.n;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'course', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_rows', 'course', 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO instructor_roster (organisation_id, name, course_organisation_id, "
        "course_published, n) SELECT e.organisation_id, e.name, NEW.organisation_id, "
        "NEW.published, 1 * COUNT(*) FROM enrolment e WHERE e.course_id = NEW.id AND "
        "e.deleted_at IS NULL AND e.status = 'qualified' AND NEW.deleted_at IS NULL AND "
        "NEW.category = 'instructor_training' GROUP BY e.organisation_id, e.name ON CONFLICT "
        "(organisation_id, name, course_organisation_id, course_published) DO UPDATE SET n = "
        "instructor_roster.n + excluded.n;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_course_write ON course",
        "DROP TRIGGER IF EXISTS tally_course_change ON course",
        "CREATE TRIGGER tally_course_write BEFORE INSERT OR DELETE ON course FOR EACH ROW "
        "EXECUTE FUNCTION tally_course()",
        "CREATE TRIGGER tally_course_change BEFORE UPDATE OF deleted_at, organisation_id, "
        "published, category ON course FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM "
        "NEW.deleted_at OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id OR "
        "OLD.published IS DISTINCT FROM NEW.published OR OLD.category IS DISTINCT FROM "
        "NEW.category) EXECUTE FUNCTION tally_course()",
        "CREATE OR REPLACE FUNCTION tally_scholarship_student() RETURNS trigger LANGUAGE plpgsql "
        "AS $tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'rows', 'scholarship_student', -1, 0 WHERE OLD.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'scholarship_student', 1, 0 WHERE NEW.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_write ON scholarship_student",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_change ON scholarship_student",
        "CREATE TRIGGER tally_scholarship_student_write BEFORE INSERT OR DELETE ON "
        "scholarship_student FOR EACH ROW EXECUTE FUNCTION tally_scholarship_student()",
        "CREATE TRIGGER tally_scholarship_student_change BEFORE UPDATE OF deleted_at, "
        "organisation_id ON scholarship_student FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT "
        "FROM NEW.deleted_at OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id) "
        "EXECUTE FUNCTION tally_scholarship_student()",
        "CREATE OR REPLACE FUNCTION tally_company() RETURNS trigger LANGUAGE plpgsql AS $tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'rows', 'company', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_rows', 'company', -1, 0 WHERE OLD.deleted_at IS NULL "
        "AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'company', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_rows', 'company', 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_company_write ON company",
        "DROP TRIGGER IF EXISTS tally_company_change ON company",
        "CREATE TRIGGER tally_company_write BEFORE INSERT OR DELETE ON company FOR EACH ROW "
        "EXECUTE FUNCTION tally_company()",
        "CREATE TRIGGER tally_company_change BEFORE UPDATE OF deleted_at, organisation_id, "
        "published ON company FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at "
        "OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id OR OLD.published IS "
        "DISTINCT FROM NEW.published) EXECUTE FUNCTION tally_company()",
        "CREATE OR REPLACE FUNCTION tally_internship() RETURNS trigger LANGUAGE plpgsql AS "
        "$tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'rows', 'internship', -1, 0 WHERE OLD.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'internship_status', OLD.status, -1, 0 WHERE OLD.deleted_at IS "
        "NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'internship', 1, 0 WHERE NEW.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'internship_status', NEW.status, 1, 0 WHERE NEW.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_internship_write ON internship",
        "DROP TRIGGER IF EXISTS tally_internship_change ON internship",
        "CREATE TRIGGER tally_internship_write BEFORE INSERT OR DELETE ON internship FOR EACH "
        "ROW EXECUTE FUNCTION tally_internship()",
        "CREATE TRIGGER tally_internship_change BEFORE UPDATE OF deleted_at, organisation_id, "
        "status ON internship FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at "
        "OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id OR OLD.status IS DISTINCT "
        "FROM NEW.status) EXECUTE FUNCTION tally_internship()",
        "CREATE OR REPLACE FUNCTION tally_scholarship_grant() RETURNS trigger LANGUAGE plpgsql "
        "AS $tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'grant_amount', CAST(OLD.year AS VARCHAR(64)), -1, -1 * OLD.amount "
        "WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE "
        "SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'grant_students', CAST(OLD.year AS VARCHAR(64)), -1, 0 WHERE "
        "OLD.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM scholarship_grant g WHERE "
        "g.student_id = OLD.student_id AND g.year = OLD.year AND g.organisation_id = "
        "OLD.organisation_id AND g.deleted_at IS NULL AND g.id <> OLD.id) ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'grant_amount', CAST(NEW.year AS VARCHAR(64)), 1, 1 * NEW.amount "
        "WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE "
        "SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount;\n"
        "    INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'grant_students', CAST(NEW.year AS VARCHAR(64)), 1, 0 WHERE "
        "NEW.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM scholarship_grant g WHERE "
        "g.student_id = NEW.student_id AND g.year = NEW.year AND g.organisation_id = "
        "NEW.organisation_id AND g.deleted_at IS NULL AND g.id <> NEW.id) ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_write ON scholarship_grant",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_change ON scholarship_grant",
        "CREATE TRIGGER tally_scholarship_grant_write BEFORE INSERT OR DELETE ON "
        "scholarship_grant FOR EACH ROW EXECUTE FUNCTION tally_scholarship_grant()",
        "CREATE TRIGGER tally_scholarship_grant_change BEFORE UPDATE OF deleted_at, "
        "organisation_id, year, amount, student_id ON scholarship_grant FOR EACH ROW WHEN "
        "(OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.organisation_id IS DISTINCT FROM "
        "NEW.organisation_id OR OLD.year IS DISTINCT FROM NEW.year OR OLD.amount IS DISTINCT "
        "FROM NEW.amount OR OLD.student_id IS DISTINCT FROM NEW.student_id) EXECUTE FUNCTION "
        "tally_scholarship_grant()",
        "CREATE OR REPLACE FUNCTION tally_enrolment() RETURNS trigger LANGUAGE plpgsql AS "
        "$tally$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    INSERT INTO instructor_roster (organisation_id, name, course_organisation_id, "
        "course_published, n) SELECT OLD.organisation_id, OLD.name, c.organisation_id, "
        "c.published, -1 FROM course c WHERE c.id = OLD.course_id AND c.deleted_at IS NULL AND "
        "c.category = 'instructor_training' AND OLD.deleted_at IS NULL AND OLD.status = "
        "'qualified' ON CONFLICT (organisation_id, name, course_organisation_id, "
        "course_published) DO UPDATE SET n = instructor_roster.n + excluded.n;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    INSERT INTO instructor_roster (organisation_id, name, course_organisation_id, "
        "course_published, n) SELECT NEW.organisation_id, NEW.name, c.organisation_id, "
        "c.published, 1 FROM course c WHERE c.id = NEW.course_id AND c.deleted_at IS NULL AND "
        "c.category = 'instructor_training' AND NEW.deleted_at IS NULL AND NEW.status = "
        "'qualified' ON CONFLICT (organisation_id, name, course_organisation_id, "
        "course_published) DO UPDATE SET n = instructor_roster.n + excluded.n;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n"
        "END\n"
        "$tally$",
        "DROP TRIGGER IF EXISTS tally_enrolment_write ON enrolment",
        "DROP TRIGGER IF EXISTS tally_enrolment_change ON enrolment",
        "CREATE TRIGGER tally_enrolment_write BEFORE INSERT OR DELETE ON enrolment FOR EACH ROW "
        "EXECUTE FUNCTION tally_enrolment()",
        "CREATE TRIGGER tally_enrolment_change BEFORE UPDATE OF deleted_at, organisation_id, "
        "name, status, course_id ON enrolment FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM "
        "NEW.deleted_at OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id OR OLD.name "
        "IS DISTINCT FROM NEW.name OR OLD.status IS DISTINCT FROM NEW.status OR OLD.course_id IS "
        "DISTINCT FROM NEW.course_id) EXECUTE FUNCTION tally_enrolment()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS tally_organisation_insert",
        "DROP TRIGGER IF EXISTS tally_organisation_delete",
        "DROP TRIGGER IF EXISTS tally_organisation_change",
        "CREATE TRIGGER tally_organisation_insert AFTER INSERT ON organisation BEGIN INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT NEW.id, 'rows', "
        "'organisation', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.id, 'published_rows', 'organisation', 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_organisation_delete AFTER DELETE ON organisation BEGIN INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT OLD.id, 'rows', "
        "'organisation', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, "
        "figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.id, 'published_rows', 'organisation', -1, 0 WHERE OLD.deleted_at IS NULL AND "
        "OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_organisation_change AFTER UPDATE OF deleted_at, published ON "
        "organisation WHEN OLD.deleted_at IS NOT NEW.deleted_at OR OLD.published IS NOT "
        "NEW.published BEGIN INSERT INTO tally (organisation_id, figure, bucket, n, amount) "
        "SELECT OLD.id, 'rows', 'organisation', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, "
        "amount) SELECT OLD.id, 'published_rows', 'organisation', -1, 0 WHERE OLD.deleted_at IS "
        "NULL AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.id, 'rows', 'organisation', 1, "
        "0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE "
        "SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT NEW.id, 'published_rows', "
        "'organisation', 1, 0 WHERE NEW.deleted_at IS NULL AND NEW.published ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount; END",
        "DROP TRIGGER IF EXISTS tally_service_site_insert",
        "DROP TRIGGER IF EXISTS tally_service_site_delete",
        "DROP TRIGGER IF EXISTS tally_service_site_change",
        "CREATE TRIGGER tally_service_site_insert AFTER INSERT ON service_site BEGIN INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, 'rows', "
        "'service_site', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'site_kind', NEW.kind, 1, 0 WHERE NEW.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; INSERT INTO tally (organisation_id, figure, "
        "bucket, n, amount) SELECT NEW.organisation_id, 'published_rows', 'service_site', 1, 0 "
        "WHERE NEW.deleted_at IS NULL AND NEW.published ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_site_kind', NEW.kind, 1, 0 WHERE NEW.deleted_at IS NULL "
        "AND NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_service_site_delete AFTER DELETE ON service_site BEGIN INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'rows', "
        "'service_site', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, "
        "figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'site_kind', OLD.kind, -1, 0 WHERE OLD.deleted_at IS NULL ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; INSERT INTO tally (organisation_id, figure, "
        "bucket, n, amount) SELECT OLD.organisation_id, 'published_rows', 'service_site', -1, 0 "
        "WHERE OLD.deleted_at IS NULL AND OLD.published ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_site_kind', OLD.kind, -1, 0 WHERE OLD.deleted_at IS "
        "NULL AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_service_site_change AFTER UPDATE OF deleted_at, organisation_id, "
        "kind, published ON service_site WHEN OLD.deleted_at IS NOT NEW.deleted_at OR "
        "OLD.organisation_id IS NOT NEW.organisation_id OR OLD.kind IS NOT NEW.kind OR "
        "OLD.published IS NOT NEW.published BEGIN INSERT INTO tally (organisation_id, figure, "
        "bucket, n, amount) SELECT OLD.organisation_id, 'rows', 'service_site', -1, 0 WHERE "
        "OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'site_kind', "
        "OLD.kind, -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_rows', 'service_site', -1, 0 WHERE OLD.deleted_at IS "
        "NULL AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, "
        "'published_site_kind', OLD.kind, -1, 0 WHERE OLD.deleted_at IS NULL AND OLD.published "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; INSERT INTO tally (organisation_id, figure, "
        "bucket, n, amount) SELECT NEW.organisation_id, 'rows', 'service_site', 1, 0 WHERE "
        "NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, 'site_kind', "
        "NEW.kind, 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_rows', 'service_site', 1, 0 WHERE NEW.deleted_at IS "
        "NULL AND NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, "
        "'published_site_kind', NEW.kind, 1, 0 WHERE NEW.deleted_at IS NULL AND NEW.published ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; END",
        "DROP TRIGGER IF EXISTS tally_course_insert",
        "DROP TRIGGER IF EXISTS tally_course_delete",
        "DROP TRIGGER IF EXISTS tally_course_change",
        "CREATE TRIGGER tally_course_insert AFTER INSERT ON course BEGIN INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, 'rows', "
        "'course', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_rows', 'course', 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; INSERT INTO instructor_roster "
        "(organisation_id, name, course_organisation_id, course_published, n) SELECT "
        "e.organisation_id, e.name, NEW.organisation_id, NEW.published, 1 * COUNT(*) FROM "
        "enrolment e WHERE e.course_id = NEW.id AND e.deleted_at IS NULL AND e.status = "
        "'qualified' AND NEW.deleted_at IS NULL AND NEW.category = 'instructor_training' GROUP "
        "BY e.organisation_id, e.name ON CONFLICT (organisation_id, name, "
        "course_organisation_id, course_published) DO UPDATE SET n = instructor_roster.n + "
        "excluded.n; END",
        "CREATE TRIGGER tally_course_delete AFTER DELETE ON course BEGIN INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'rows', "
        "'course', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_rows', 'course', -1, 0 WHERE OLD.deleted_at IS NULL AND "
        "OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; INSERT INTO instructor_roster "
        "(organisation_id, name, course_organisation_id, course_published, n) SELECT "
        "e.organisation_id, e.name, OLD.organisation_id, OLD.published, -1 * COUNT(*) FROM "
        "enrolment e WHERE e.course_id = OLD.id AND e.deleted_at IS NULL AND e.status = "
        "'qualified' AND OLD.deleted_at IS NULL AND OLD.category = 'instructor_training' GROUP "
        "BY e.organisation_id, e.name ON CONFLICT (organisation_id, name, "
        "course_organisation_id, course_published) DO UPDATE SET n = instructor_roster.n + "
        "excluded.n; END",
        "CREATE TRIGGER tally_course_change AFTER UPDATE OF deleted_at, organisation_id, "
        "published, category ON course WHEN OLD.deleted_at IS NOT NEW.deleted_at OR "
        "OLD.organisation_id IS NOT NEW.organisation_id OR OLD.published IS NOT NEW.published OR "
        "OLD.category IS NOT NEW.category BEGIN INSERT INTO tally (organisation_id, figure, "
        "bucket, n, amount) SELECT OLD.organisation_id, 'rows', 'course', -1, 0 WHERE "
        "OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, "
        "'published_rows', 'course', -1, 0 WHERE OLD.deleted_at IS NULL AND OLD.published ON "
        "CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; INSERT INTO instructor_roster "
        "(organisation_id, name, course_organisation_id, course_published, n) SELECT "
        "e.organisation_id, e.name, OLD.organisation_id, OLD.published, -1 * COUNT(*) FROM "
        "enrolment e WHERE e.course_id = OLD.id AND e.deleted_at IS NULL AND e.status = "
        "'qualified' AND OLD.deleted_at IS NULL AND OLD.category = 'instructor_training' GROUP "
        "BY e.organisation_id, e.name ON CONFLICT (organisation_id, name, "
        "course_organisation_id, course_published) DO UPDATE SET n = instructor_roster.n + "
        "excluded.n; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'course', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT "
        "(organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = "
        "tally.amount + excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, "
        "amount) SELECT NEW.organisation_id, 'published_rows', 'course', 1, 0 WHERE "
        "NEW.deleted_at IS NULL AND NEW.published ON CONFLICT (organisation_id, figure, bucket) "
        "DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT "
        "INTO instructor_roster (organisation_id, name, course_organisation_id, "
        "course_published, n) SELECT e.organisation_id, e.name, NEW.organisation_id, "
        "NEW.published, 1 * COUNT(*) FROM enrolment e WHERE e.course_id = NEW.id AND "
        "e.deleted_at IS NULL AND e.status = 'qualified' AND NEW.deleted_at IS NULL AND "
        "NEW.category = 'instructor_training' GROUP BY e.organisation_id, e.name ON CONFLICT "
        "(organisation_id, name, course_organisation_id, course_published) DO UPDATE SET n = "
        "instructor_roster.n + excluded.n; END",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_insert",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_delete",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_change",
        "CREATE TRIGGER tally_scholarship_student_insert AFTER INSERT ON scholarship_student "
        "BEGIN INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'scholarship_student', 1, 0 WHERE NEW.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_scholarship_student_delete AFTER DELETE ON scholarship_student "
        "BEGIN INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'rows', 'scholarship_student', -1, 0 WHERE OLD.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_scholarship_student_change AFTER UPDATE OF deleted_at, "
        "organisation_id ON scholarship_student WHEN OLD.deleted_at IS NOT NEW.deleted_at OR "
        "OLD.organisation_id IS NOT NEW.organisation_id BEGIN INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'rows', "
        "'scholarship_student', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, "
        "figure, bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'rows', 'scholarship_student', 1, 0 WHERE NEW.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; END",
        "DROP TRIGGER IF EXISTS tally_company_insert",
        "DROP TRIGGER IF EXISTS tally_company_delete",
        "DROP TRIGGER IF EXISTS tally_company_change",
        "CREATE TRIGGER tally_company_insert AFTER INSERT ON company BEGIN INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, 'rows', "
        "'company', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_rows', 'company', 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_company_delete AFTER DELETE ON company BEGIN INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'rows', "
        "'company', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_rows', 'company', -1, 0 WHERE OLD.deleted_at IS NULL "
        "AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_company_change AFTER UPDATE OF deleted_at, organisation_id, "
        "published ON company WHEN OLD.deleted_at IS NOT NEW.deleted_at OR OLD.organisation_id "
        "IS NOT NEW.organisation_id OR OLD.published IS NOT NEW.published BEGIN INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'rows', "
        "'company', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'published_rows', 'company', -1, 0 WHERE OLD.deleted_at IS NULL "
        "AND OLD.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, 'rows', "
        "'company', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'published_rows', 'company', 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NEW.published ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; END",
        "DROP TRIGGER IF EXISTS tally_internship_insert",
        "DROP TRIGGER IF EXISTS tally_internship_delete",
        "DROP TRIGGER IF EXISTS tally_internship_change",
        "CREATE TRIGGER tally_internship_insert AFTER INSERT ON internship BEGIN INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, 'rows', "
        "'internship', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'internship_status', NEW.status, 1, 0 WHERE NEW.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_internship_delete AFTER DELETE ON internship BEGIN INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'rows', "
        "'internship', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'internship_status', OLD.status, -1, 0 WHERE OLD.deleted_at IS "
        "NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_internship_change AFTER UPDATE OF deleted_at, organisation_id, "
        "status ON internship WHEN OLD.deleted_at IS NOT NEW.deleted_at OR OLD.organisation_id "
        "IS NOT NEW.organisation_id OR OLD.status IS NOT NEW.status BEGIN INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, 'rows', "
        "'internship', -1, 0 WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'internship_status', OLD.status, -1, 0 WHERE OLD.deleted_at IS "
        "NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, 'rows', "
        "'internship', 1, 0 WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, "
        "bucket) DO UPDATE SET n = tally.n + excluded.n, amount = tally.amount + "
        "excluded.amount; INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'internship_status', NEW.status, 1, 0 WHERE NEW.deleted_at IS NULL "
        "ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + excluded.n, "
        "amount = tally.amount + excluded.amount; END",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_insert",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_delete",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_change",
        "CREATE TRIGGER tally_scholarship_grant_insert AFTER INSERT ON scholarship_grant BEGIN "
        "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "NEW.organisation_id, 'grant_amount', CAST(NEW.year AS VARCHAR(64)), 1, 1 * NEW.amount "
        "WHERE NEW.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE "
        "SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, "
        "'grant_students', CAST(NEW.year AS VARCHAR(64)), 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NOT EXISTS (SELECT 1 FROM scholarship_grant g WHERE g.student_id = NEW.student_id AND "
        "g.year = NEW.year AND g.organisation_id = NEW.organisation_id AND g.deleted_at IS NULL "
        "AND g.id <> NEW.id) ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_scholarship_grant_delete AFTER DELETE ON scholarship_grant BEGIN "
        "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'grant_amount', CAST(OLD.year AS VARCHAR(64)), -1, -1 * OLD.amount "
        "WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE "
        "SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, "
        "'grant_students', CAST(OLD.year AS VARCHAR(64)), -1, 0 WHERE OLD.deleted_at IS NULL AND "
        "NOT EXISTS (SELECT 1 FROM scholarship_grant g WHERE g.student_id = OLD.student_id AND "
        "g.year = OLD.year AND g.organisation_id = OLD.organisation_id AND g.deleted_at IS NULL "
        "AND g.id <> OLD.id) ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; END",
        "CREATE TRIGGER tally_scholarship_grant_change AFTER UPDATE OF deleted_at, "
        "organisation_id, year, amount, student_id ON scholarship_grant WHEN OLD.deleted_at IS "
        "NOT NEW.deleted_at OR OLD.organisation_id IS NOT NEW.organisation_id OR OLD.year IS NOT "
        "NEW.year OR OLD.amount IS NOT NEW.amount OR OLD.student_id IS NOT NEW.student_id BEGIN "
        "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT "
        "OLD.organisation_id, 'grant_amount', CAST(OLD.year AS VARCHAR(64)), -1, -1 * OLD.amount "
        "WHERE OLD.deleted_at IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE "
        "SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO "
        "tally (organisation_id, figure, bucket, n, amount) SELECT OLD.organisation_id, "
        "'grant_students', CAST(OLD.year AS VARCHAR(64)), -1, 0 WHERE OLD.deleted_at IS NULL AND "
        "NOT EXISTS (SELECT 1 FROM scholarship_grant g WHERE g.student_id = OLD.student_id AND "
        "g.year = OLD.year AND g.organisation_id = OLD.organisation_id AND g.deleted_at IS NULL "
        "AND g.id <> OLD.id) ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, "
        "'grant_amount', CAST(NEW.year AS VARCHAR(64)), 1, 1 * NEW.amount WHERE NEW.deleted_at "
        "IS NULL ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = tally.n + "
        "excluded.n, amount = tally.amount + excluded.amount; INSERT INTO tally "
        "(organisation_id, figure, bucket, n, amount) SELECT NEW.organisation_id, "
        "'grant_students', CAST(NEW.year AS VARCHAR(64)), 1, 0 WHERE NEW.deleted_at IS NULL AND "
        "NOT EXISTS (SELECT 1 FROM scholarship_grant g WHERE g.student_id = NEW.student_id AND "
        "g.year = NEW.year AND g.organisation_id = NEW.organisation_id AND g.deleted_at IS NULL "
        "AND g.id <> NEW.id) ON CONFLICT (organisation_id, figure, bucket) DO UPDATE SET n = "
        "tally.n + excluded.n, amount = tally.amount + excluded.amount; END",
        "DROP TRIGGER IF EXISTS tally_enrolment_insert",
        "DROP TRIGGER IF EXISTS tally_enrolment_delete",
        "DROP TRIGGER IF EXISTS tally_enrolment_change",
        "CREATE TRIGGER tally_enrolment_insert AFTER INSERT ON enrolment BEGIN INSERT INTO "
        "instructor_roster (organisation_id, name, course_organisation_id, course_published, n) "
        "SELECT NEW.organisation_id, NEW.name, c.organisation_id, c.published, 1 FROM course c "
        "WHERE c.id = NEW.course_id AND c.deleted_at IS NULL AND c.category = "
        "'instructor_training' AND NEW.deleted_at IS NULL AND NEW.status = 'qualified' ON "
        "CONFLICT (organisation_id, name, course_organisation_id, course_published) DO UPDATE "
        "SET n = instructor_roster.n + excluded.n; END",
        "CREATE TRIGGER tally_enrolment_delete AFTER DELETE ON enrolment BEGIN INSERT INTO "
        "instructor_roster (organisation_id, name, course_organisation_id, course_published, n) "
        "SELECT OLD.organisation_id, OLD.name, c.organisation_id, c.published, -1 FROM course c "
        "WHERE c.id = OLD.course_id AND c.deleted_at IS NULL AND c.category = "
        "'instructor_training' AND OLD.deleted_at IS NULL AND OLD.status = 'qualified' ON "
        "CONFLICT (organisation_id, name, course_organisation_id, course_published) DO UPDATE "
        "SET n = instructor_roster.n + excluded.n; END",
        "CREATE TRIGGER tally_enrolment_change AFTER UPDATE OF deleted_at, organisation_id, "
        "name, status, course_id ON enrolment WHEN OLD.deleted_at IS NOT NEW.deleted_at OR "
        "OLD.organisation_id IS NOT NEW.organisation_id OR OLD.name IS NOT NEW.name OR "
        "OLD.status IS NOT NEW.status OR OLD.course_id IS NOT NEW.course_id BEGIN INSERT INTO "
        "instructor_roster (organisation_id, name, course_organisation_id, course_published, n) "
        "SELECT OLD.organisation_id, OLD.name, c.organisation_id, c.published, -1 FROM course c "
        "WHERE c.id = OLD.course_id AND c.deleted_at IS NULL AND c.category = "
        "'instructor_training' AND OLD.deleted_at IS NULL AND OLD.status = 'qualified' ON "
        "CONFLICT (organisation_id, name, course_organisation_id, course_published) DO UPDATE "
        "SET n = instructor_roster.n + excluded.n; INSERT INTO instructor_roster "
        "(organisation_id, name, course_organisation_id, course_published, n) SELECT "
        "NEW.organisation_id, NEW.name, c.organisation_id, c.published, 1 FROM course c WHERE "
        "c.id = NEW.course_id AND c.deleted_at IS NULL AND c.category = 'instructor_training' "
        "AND NEW.deleted_at IS NULL AND NEW.status = 'qualified' ON CONFLICT (organisation_id, "
        "name, course_organisation_id, course_published) DO UPDATE SET n = instructor_roster.n + "
        "excluded.n; END",
    ],
}

DROP_TRIGGERS: dict[str, list[str]] = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS tally_organisation_write ON organisation",
        "DROP TRIGGER IF EXISTS tally_organisation_change ON organisation",
        "DROP FUNCTION IF EXISTS tally_organisation()",
        "DROP TRIGGER IF EXISTS tally_service_site_write ON service_site",
        "DROP TRIGGER IF EXISTS tally_service_site_change ON service_site",
        "DROP FUNCTION IF EXISTS tally_service_site()",
        "DROP TRIGGER IF EXISTS tally_course_write ON course",
        "DROP TRIGGER IF EXISTS tally_course_change ON course",
        "DROP FUNCTION IF EXISTS tally_course()",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_write ON scholarship_student",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_change ON scholarship_student",
        "DROP FUNCTION IF EXISTS tally_scholarship_student()",
        "DROP TRIGGER IF EXISTS tally_company_write ON company",
        "DROP TRIGGER IF EXISTS tally_company_change ON company",
        "DROP FUNCTION IF EXISTS tally_company()",
        "DROP TRIGGER IF EXISTS tally_internship_write ON internship",
        "DROP TRIGGER IF EXISTS tally_internship_change ON internship",
        "DROP FUNCTION IF EXISTS tally_internship()",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_write ON scholarship_grant",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_change ON scholarship_grant",
        "DROP FUNCTION IF EXISTS tally_scholarship_grant()",
        "DROP TRIGGER IF EXISTS tally_enrolment_write ON enrolment",
        "DROP TRIGGER IF EXISTS tally_enrolment_change ON enrolment",
        "DROP FUNCTION IF EXISTS tally_enrolment()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS tally_organisation_insert",
        "DROP TRIGGER IF EXISTS tally_organisation_delete",
        "DROP TRIGGER IF EXISTS tally_organisation_change",
        "DROP TRIGGER IF EXISTS tally_service_site_insert",
        "DROP TRIGGER IF EXISTS tally_service_site_delete",
        "DROP TRIGGER IF EXISTS tally_service_site_change",
        "DROP TRIGGER IF EXISTS tally_course_insert",
        "DROP TRIGGER IF EXISTS tally_course_delete",
        "DROP TRIGGER IF EXISTS tally_course_change",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_insert",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_delete",
        "DROP TRIGGER IF EXISTS tally_scholarship_student_change",
        "DROP TRIGGER IF EXISTS tally_company_insert",
        "DROP TRIGGER IF EXISTS tally_company_delete",
        "DROP TRIGGER IF EXISTS tally_company_change",
        "DROP TRIGGER IF EXISTS tally_internship_insert",
        "DROP TRIGGER IF EXISTS tally_internship_delete",
        "DROP TRIGGER IF EXISTS tally_internship_change",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_insert",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_delete",
        "DROP TRIGGER IF EXISTS tally_scholarship_grant_change",
        "DROP TRIGGER IF EXISTS tally_enrolment_insert",
        "DROP TRIGGER IF EXISTS tally_enrolment_delete",
        "DROP TRIGGER IF EXISTS tally_enrolment_change",
    ],
}

FILL: list[str] = [
    "DELETE FROM tally",
    "DELETE FROM instructor_roster",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT id, 'rows', "
    "'organisation', COUNT(*), 0 FROM organisation WHERE deleted_at IS NULL GROUP BY id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT id, "
    "'published_rows', 'organisation', COUNT(*), 0 FROM organisation WHERE deleted_at IS "
    "NULL AND published GROUP BY id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'rows', 'service_site', COUNT(*), 0 FROM service_site WHERE deleted_at IS NULL GROUP BY "
    "organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'site_kind', kind, COUNT(*), 0 FROM service_site WHERE deleted_at IS NULL GROUP BY "
    "organisation_id, kind",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'published_rows', 'service_site', COUNT(*), 0 FROM service_site WHERE deleted_at IS "
    "NULL AND published GROUP BY organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'published_site_kind', kind, COUNT(*), 0 FROM service_site WHERE deleted_at IS NULL AND "
    "published GROUP BY organisation_id, kind",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'rows', 'course', COUNT(*), 0 FROM course WHERE deleted_at IS NULL GROUP BY "
    "organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'published_rows', 'course', COUNT(*), 0 FROM course WHERE deleted_at IS NULL AND "
    "published GROUP BY organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'rows', 'scholarship_student', COUNT(*), 0 FROM scholarship_student WHERE deleted_at IS "
    "NULL GROUP BY organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'rows', 'company', COUNT(*), 0 FROM company WHERE deleted_at IS NULL GROUP BY "
    "organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'published_rows', 'company', COUNT(*), 0 FROM company WHERE deleted_at IS NULL AND "
    "published GROUP BY organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'rows', 'internship', COUNT(*), 0 FROM internship WHERE deleted_at IS NULL GROUP BY "
    "organisation_id",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'internship_status', status, COUNT(*), 0 FROM internship WHERE deleted_at IS NULL GROUP "
    "BY organisation_id, status",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'grant_amount', CAST(year AS VARCHAR(64)), COUNT(*), SUM(amount) FROM scholarship_grant "
    "WHERE deleted_at IS NULL GROUP BY organisation_id, CAST(year AS VARCHAR(64))",
    "INSERT INTO tally (organisation_id, figure, bucket, n, amount) SELECT organisation_id, "
    "'grant_students', CAST(year AS VARCHAR(64)), COUNT(DISTINCT student_id), 0 FROM "
    "scholarship_grant WHERE deleted_at IS NULL GROUP BY organisation_id, CAST(year AS "
    "VARCHAR(64))",
    "INSERT INTO instructor_roster (organisation_id, name, course_organisation_id, "
    "course_published, n) SELECT e.organisation_id, e.name, c.organisation_id, c.published, "
    "COUNT(*) FROM enrolment e JOIN course c ON c.id = e.course_id WHERE e.deleted_at IS "
    "NULL AND e.status = 'qualified' AND c.deleted_at IS NULL AND c.category = "
    "'instructor_training' GROUP BY e.organisation_id, e.name, c.organisation_id, c.published",
]
