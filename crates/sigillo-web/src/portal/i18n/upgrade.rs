//! Words of Converti PIN: the citizen's upload page and the request's status.

/// (key, Italian, English).
pub static TEXTS: &[(&str, &str, &str)] = &[
    (
        "up_login_to_upload",
        "Per caricare i documenti online acceda con il Suo PIN:",
        "To upload the documents online, log in with your PIN:",
    ),
    (
        "up_change_first",
        "Prima di caricare i documenti deve scegliere il PIN definitivo.",
        "Before uploading the documents you must choose your definitive PIN.",
    ),
    ("up_form_title", "Invii la richiesta", "Send your request"),
    (
        "up_step_download",
        "1. Scarichi il modulo, già compilato con i Suoi dati",
        "1. Download the form, already filled in with your data",
    ),
    ("up_download", "Scarica il modulo (PDF)", "Download the form (PDF)"),
    (
        "up_step_sign",
        "2. Lo stampi, indichi luogo e data e lo firmi; fotografi o scansioni il modulo firmato e il Suo documento d'identità, fronte e retro.",
        "2. Print it, write the place and date and sign it; photograph or scan the signed form and your identity document, front and back.",
    ),
    ("up_step_upload", "3. Carichi i tre file", "3. Upload the three files"),
    (
        "up_files_hint",
        "Ogni file può essere un PDF, una foto JPEG o un'immagine PNG, di al massimo 5 MB.",
        "Each file may be a PDF, a JPEG photo or a PNG image, of at most 5 MB.",
    ),
    ("up_signed_form", "Modulo firmato", "Signed form"),
    ("up_id_front", "Documento d'identità – fronte", "Identity document – front"),
    ("up_id_back", "Documento d'identità – retro", "Identity document – back"),
    ("up_send", "Invia la richiesta", "Send the request"),
    (
        "up_sent",
        "La richiesta è stata inviata. Un operatore verificherà i documenti: riceverà l'esito per e-mail e lo vedrà in questa pagina.",
        "Your request has been sent. An operator will check the documents: you will receive the outcome by e-mail and see it on this page.",
    ),
    ("up_status_title", "La Sua richiesta", "Your request"),
    (
        "up_status_pending",
        "In attesa di verifica: inviata il {date}. Riceverà l'esito per e-mail.",
        "Waiting to be checked: sent on {date}. You will receive the outcome by e-mail.",
    ),
    (
        "up_status_approved",
        "Accolta il {date}: il Suo PIN è dispositivo.",
        "Approved on {date}: your PIN is a PIN dispositivo.",
    ),
    ("up_status_rejected", "Non accolta il {date}. Motivo:", "Not approved on {date}. Reason:"),
    (
        "up_retry",
        "Può inviare una nuova richiesta con documenti corretti.",
        "You may send a new request with corrected documents.",
    ),
    ("up_area_status", "Richiesta di PIN dispositivo", "Request for a PIN dispositivo"),
    ("up_area_pending", "in attesa di verifica (inviata il {date})", "waiting to be checked (sent on {date})"),
    ("up_area_approved", "accolta il {date}", "approved on {date}"),
    ("up_area_rejected", "non accolta il {date}: {reason}", "not approved on {date}: {reason}"),
    ("up_err_missing", "Alleghi il file.", "Attach the file."),
    ("up_err_empty", "Il file è vuoto.", "The file is empty."),
    (
        "up_err_too_large",
        "Il file supera 5 MB: lo riduca (ad esempio una foto a risoluzione più bassa) e riprovi.",
        "The file is larger than 5 MB: make it smaller (for example a lower-resolution photo) and try again.",
    ),
    ("up_err_unknown_type", "Il file non è un PDF, un JPEG o un PNG.", "The file is not a PDF, JPEG or PNG."),
    (
        "up_err_body_too_large",
        "I file insieme superano il limite: ciascuno può avere al massimo 5 MB.",
        "The files together exceed the limit: each may be at most 5 MB.",
    ),
    ("up_err_malformed", "Il caricamento non è riuscito: riprovi.", "The upload failed: please try again."),
    (
        "up_err_pending",
        "Ha già una richiesta in attesa di verifica.",
        "You already have a request waiting to be checked.",
    ),
    ("up_err_already", "Il Suo PIN è già dispositivo.", "Your PIN is already a PIN dispositivo."),
    ("area_ev_upgrade_requested", "Richiesta di PIN dispositivo inviata", "Request for a PIN dispositivo sent"),
    ("area_ev_upgrade_approved", "Richiesta di PIN dispositivo accolta", "Request for a PIN dispositivo approved"),
    (
        "area_ev_upgrade_rejected",
        "Richiesta di PIN dispositivo non accolta",
        "Request for a PIN dispositivo not approved",
    ),
    (
        "area_ev_upgrade_document_viewed",
        "Documento della richiesta di PIN dispositivo esaminato",
        "Document of the request for a PIN dispositivo examined",
    ),
];
