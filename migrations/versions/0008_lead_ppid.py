"""PPID desk: information requests, objections, their dated events, complaints

Revision ID: lead_0008_ppid
Revises: lead_0007_holidays

Every table is tenant-owned; the requester_*/reporter_* columns hold personal
data (never public, erased after the retention period).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'lead_0008_ppid'
down_revision = 'lead_0007_holidays'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('may_publish', sa.Boolean(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('reporter_name', sa.String(length=120), nullable=False),
    sa.Column('reporter_contact', sa.String(length=254), nullable=False),
    sa.Column('personal_data_erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['media_file.id'], name=op.f('fk_complaint_photo_id_media_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_complaint_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_complaint_tenant_id_token_hash')),
    sa.UniqueConstraint('tenant_id', 'year', 'seq', name=op.f('uq_complaint_tenant_id_year_seq'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_published'), ['published'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('info_request',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('extended_on', sa.Date(), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('information', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('obtain', sa.String(length=20), nullable=False),
    sa.Column('copy_form', sa.String(length=20), nullable=False),
    sa.Column('delivery', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answer_link', sa.String(length=500), nullable=False),
    sa.Column('answer_document_id', sa.Integer(), nullable=True),
    sa.Column('exemption', sa.String(length=1), nullable=False),
    sa.Column('requester_name', sa.String(length=120), nullable=False),
    sa.Column('requester_address', sa.Text(), nullable=False),
    sa.Column('requester_email', sa.String(length=254), nullable=False),
    sa.Column('requester_phone', sa.String(length=30), nullable=False),
    sa.Column('personal_data_erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_document_id'], ['document.id'], name=op.f('fk_info_request_answer_document_id_document'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_info_request_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_request')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_info_request_tenant_id_token_hash')),
    sa.UniqueConstraint('tenant_id', 'year', 'seq', name=op.f('uq_info_request_tenant_id_year_seq'))
    )
    with op.batch_alter_table('info_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_request_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('info_objection',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('grounds', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['info_request.id'], name=op.f('fk_info_objection_request_id_info_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_info_objection_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_objection')),
    sa.UniqueConstraint('tenant_id', 'year', 'seq', name=op.f('uq_info_objection_tenant_id_year_seq'))
    )
    with op.batch_alter_table('info_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_objection_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_objection_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_objection_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_objection_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('info_request_event',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=True),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['objection_id'], ['info_objection.id'], name=op.f('fk_info_request_event_objection_id_info_objection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['info_request.id'], name=op.f('fk_info_request_event_request_id_info_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_info_request_event_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_info_request_event_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_request_event'))
    )
    with op.batch_alter_table('info_request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_request_event_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_request_event_tenant_id'), ['tenant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('info_request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_request_event_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_info_request_event_request_id'))

    op.drop_table('info_request_event')
    with op.batch_alter_table('info_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_objection_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_info_objection_status'))
        batch_op.drop_index(batch_op.f('ix_info_objection_request_id'))
        batch_op.drop_index(batch_op.f('ix_info_objection_due_on'))

    op.drop_table('info_objection')
    with op.batch_alter_table('info_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_request_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_info_request_status'))
        batch_op.drop_index(batch_op.f('ix_info_request_due_on'))

    op.drop_table('info_request')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_published'))

    op.drop_table('complaint')
