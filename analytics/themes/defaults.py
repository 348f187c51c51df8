"""The default taxonomy: ten themes whose keys DESIGN.md fixes (names, descriptions and
phrases are editable at /manage/themes/). Seeded by migration 0009_default_themes."""

DEFAULTS = [
    (
        "wait_time",
        {"en": "Wait time", "id": "Waktu tunggu", "es": "Tiempo de espera"},
        {
            "en": "Queues, hold, slow replies.",
            "id": "Antrian, ditahan (hold), balasan lambat.",
            "es": "Colas, espera en línea, respuestas lentas.",
        },
    ),
    (
        "transfer",
        {"en": "Transfers", "id": "Dioper", "es": "Transferencias"},
        {
            "en": "Passed around, repeating the story.",
            "id": "Dioper-oper, harus cerita ulang.",
            "es": "Pasado de un área a otra, repetir la historia.",
        },
    ),
    (
        "resolution",
        {"en": "Resolution", "id": "Penyelesaian", "es": "Resolución"},
        {
            "en": "Solved or not, having to call again.",
            "id": "Selesai atau tidak, harus menghubungi lagi.",
            "es": "Resuelto o no, tener que volver a llamar.",
        },
    ),
    (
        "knowledge",
        {"en": "Knowledge", "id": "Pengetahuan", "es": "Conocimiento"},
        {
            "en": "Competence, right or wrong information.",
            "id": "Kompetensi, informasi benar atau salah.",
            "es": "Competencia, información correcta o equivocada.",
        },
    ),
    (
        "attitude",
        {"en": "Attitude", "id": "Sikap", "es": "Actitud"},
        {
            "en": "Friendliness, empathy, rudeness, listening.",
            "id": "Keramahan, empati, kekasaran, mendengarkan.",
            "es": "Amabilidad, empatía, mala educación, escucha.",
        },
    ),
    (
        "verification",
        {"en": "Verification", "id": "Verifikasi", "es": "Verificación"},
        {
            "en": "Identity checks, security questions, account numbers.",
            "id": "Cek identitas, pertanyaan keamanan, nomor rekening.",
            "es": "Validación de identidad, preguntas de seguridad, números de cuenta.",
        },
    ),
    (
        "callback",
        {"en": "Call-backs", "id": "Telepon balik", "es": "Devolución de llamadas"},
        {
            "en": "Promised call-backs or emails, kept or not.",
            "id": "Janji telepon balik atau email, ditepati atau tidak.",
            "es": "Llamadas o correos prometidos, cumplidos o no.",
        },
    ),
    (
        "billing",
        {"en": "Billing", "id": "Tagihan", "es": "Facturación"},
        {
            "en": "Charges, refunds, fees, price.",
            "id": "Tagihan, refund, biaya, harga.",
            "es": "Cobros, reembolsos, comisiones, precio.",
        },
    ),
    (
        "technical",
        {"en": "Technical", "id": "Teknis", "es": "Técnico"},
        {
            "en": "App, website, service faults that caused the contact.",
            "id": "Aplikasi, website, gangguan layanan yang membuat pelanggan menghubungi.",
            "es": "App, web, fallas del servicio que causaron el contacto.",
        },
    ),
    (
        "process",
        {"en": "Process", "id": "Prosedur", "es": "Procesos"},
        {
            "en": "Policies, paperwork, IVR menus, being sent to another channel.",
            "id": "Kebijakan, formulir, menu IVR, disuruh lewat saluran lain.",
            "es": "Políticas, trámites, menús IVR, ser enviado a otro canal.",
        },
    ),
]


def ensure_defaults(theme_model=None) -> int:
    """Create the default themes that are missing (edited ones are left alone); rows created."""
    if theme_model is None:
        from analytics.themes.models import Theme

        theme_model = Theme
    created = 0
    for position, (key, names, descriptions) in enumerate(DEFAULTS, start=1):
        _theme, made = theme_model.objects.get_or_create(
            key=key, defaults={"names": names, "descriptions": descriptions, "builtin": True, "position": position}
        )
        created += made
    return created
