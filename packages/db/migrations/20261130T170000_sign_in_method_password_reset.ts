import { type Kysely, sql } from 'kysely'

/**
 * A partner who resets their password is signed in by the reset; that
 * sign-in is recorded in portal_sign_ins like the others (engagement counts
 * every row), with its own method `password_reset`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table portal_sign_ins drop constraint portal_sign_ins_method_check;
    alter table portal_sign_ins add constraint portal_sign_ins_method_check check (method in ('password', 'magic_link', 'invitation', 'password_reset'));
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  // The old constraint does not know the method: such sign-ins count as password sign-ins (a new password was set).
  await sql`
    alter table portal_sign_ins drop constraint portal_sign_ins_method_check;
    update portal_sign_ins set method = 'password' where method = 'password_reset';
    alter table portal_sign_ins add constraint portal_sign_ins_method_check check (method in ('password', 'magic_link', 'invitation'));
  `.execute(db)
}
