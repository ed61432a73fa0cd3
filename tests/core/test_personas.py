def test_personas(ente_admin, comune_a_editor, comune_b_editor, association_user):
    assert ente_admin.membership.organisation.kind == "ente"
    assert comune_a_editor.membership.organisation.comune.name == "Milano"
    assert comune_b_editor.membership.organisation.comune != comune_a_editor.membership.organisation.comune
    assert association_user.membership.organisation.kind == "body"
